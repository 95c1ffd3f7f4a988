"""The five status recipients (``docs/contracts/outbound.md``): endpoint, store, admin views and
the schema and minimisation rules. :mod:`mocks.recipients.service` is what is mounted.
"""
