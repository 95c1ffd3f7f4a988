"""Benchmarks that print figures (run with ``python -m bench``)."""

import os

# The temporary Prefect server a benchmark starts sends no telemetry (loopback only).
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
