"""The explicit table of flows the CLI knows (no import-time discovery)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tilts.errors import InputError


def sync_flow(service: str) -> Callable[..., dict[str, Any]]:
    """The flow behind ``tilts sync <service>``."""
    from flows.sync_population import sync_population

    table: dict[str, Callable[..., dict[str, Any]]] = {
        "population": sync_population,
        # Until the other registries land, the nightly sync is the population sync.
        "all": sync_population,
    }
    if service not in table:
        raise InputError(f"service: {service!r} is not one of {', '.join(sorted(table))}")
    return table[service]
