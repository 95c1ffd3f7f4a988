"""Prefect flows: thin wiring of tasks over chunks of persons.

HTTP, XML and SQL live in ``connectors/`` and ``store/``; the chunk work in ``flows/work/``.
"""

import os

# Prefect's local server reports usage to Prefect's telemetry service unless told not to; a
# pipeline of municipal social-service data sends nothing off the machine it was not asked
# to (an administrator may still set it to "true"). Set before Prefect reads its settings.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
