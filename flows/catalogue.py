"""The explicit table of flows the CLI knows (no import-time discovery)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tilts.kernel.errors import InputError


def sync_flow(service: str) -> Callable[..., dict[str, Any]]:
    """The flow behind ``tilts sync <service>``."""
    from tilts.flows.nightly import nightly_sync
    from tilts.flows.sync_population import sync_population
    from tilts.flows.sync_registries import (
        sync_disability,
        sync_employment,
        sync_income,
        sync_property,
    )

    table: dict[str, Callable[..., dict[str, Any]]] = {
        "population": sync_population,
        "disability": sync_disability,
        "income": sync_income,
        "employment": sync_employment,
        "property": sync_property,  # not in operations.md's list: docs/decisions.md
        "all": nightly_sync,
    }
    if service not in table:
        raise InputError(f"service: {service!r} is not one of {', '.join(sorted(table))}")
    return table[service]
