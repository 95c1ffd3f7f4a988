"""Tilts: registry sync, household assessment and SPOLIS reporting for Latvian social services."""

__version__ = "0.1.0"
