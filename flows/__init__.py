"""Prefect flows: thin wiring of tasks over chunks of persons.

HTTP, XML and SQL live in ``connectors/`` and ``store/``; the chunk work in ``flows/work/``.
"""
