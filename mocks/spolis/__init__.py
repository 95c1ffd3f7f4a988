"""The SPOLIS mock (``docs/contracts/spolis.md``): API, rules, memory, the ministry's view and
its test views. :mod:`mocks.spolis.service` is what :mod:`mocks.services` mounts.
"""
