"""The SOPA-like case store: SQLAlchemy 2 models, migrations and the repository functions.

Only this package writes SQL. Flows call the functions in ``store.repo_*`` modules.
"""
