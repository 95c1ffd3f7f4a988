"""Connectors: one module per external system, all on the shared base in ``connectors.base``.

HTTP, SOAP and XML live here and nowhere else; zeep / requests / lxml exceptions are
translated into :mod:`tilts.kernel.errors` at this boundary.
"""
