"""The explicit table of flows the CLI knows (no import-time discovery).

Names are checked before anything is imported: a flow's module imports Prefect and the
night's machinery (seconds of CPU), which a mistyped service never needs."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from tilts.kernel.errors import InputError

# `tilts sync <service>` → (module, flow); "property" is not in operations.md's list
# (docs/decisions.md)
SYNC_FLOWS: dict[str, tuple[str, str]] = {
    "population": ("tilts.flows.sync_population", "sync_population"),
    "disability": ("tilts.flows.sync_registries", "sync_disability"),
    "income": ("tilts.flows.sync_registries", "sync_income"),
    "employment": ("tilts.flows.sync_registries", "sync_employment"),
    "property": ("tilts.flows.sync_registries", "sync_property"),
    "all": ("tilts.flows.nightly", "nightly_sync"),
}


def check_service(service: str) -> str:
    """``service`` if ``tilts sync`` knows it; else bad input naming the known ones."""
    if service not in SYNC_FLOWS:
        raise InputError(f"service: {service!r} is not one of {', '.join(sorted(SYNC_FLOWS))}")
    return service


def sync_flow(service: str) -> Callable[..., dict[str, Any]]:
    """The flow behind ``tilts sync <service>``."""
    module, name = SYNC_FLOWS[check_service(service)]
    flow: Callable[..., dict[str, Any]] = getattr(import_module(module), name)
    return flow
