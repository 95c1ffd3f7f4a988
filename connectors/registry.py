"""The table of registry clients, derived from the registry descriptors (``registries/``).

Each entry says which client class speaks to the service, which operation family carries its
per-person batch query, and how to call that query on a list of codes — which is all the
contract test needs to treat every registry the same way. The query is the registry's own
``fetch`` (the one the syncs use) with the probe's day and months.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tilts.connectors.base import RegistryClient
from tilts.connectors.batch import BatchFetch, Query, batch_fetch, client_class
from tilts.registries import REGISTRIES as DESCRIPTORS
from tilts.registries import Registry

PROBE_FROM, PROBE_TO = "2026-08", "2026-10"
PROBE = Query(as_of="2026-11-01", months=(PROBE_FROM, PROBE_TO))


@dataclass(frozen=True)
class RegistryEntry:
    """One registry: its client, batch family and per-person batch query."""

    client: type[RegistryClient]
    family: str
    batch_query: Callable[[Any, list[str]], list[dict[str, Any]]]
    status_key: str  # the per-person outcome field of a record
    one_per_call: bool = False  # a call per person (UR): a batch query makes one call per code


def _probe(fetch: BatchFetch) -> Callable[[Any, list[str]], list[dict[str, Any]]]:
    """The probe's batch query; a person whose own call broke the contract (one call per
    person, ``Batch.failed``) raises its error, as a batch service's broken answer does."""

    def ask(client: Any, codes: list[str]) -> list[dict[str, Any]]:
        batch = fetch(client, codes, PROBE)
        if batch.failed:
            raise batch.failed[0][1]
        return batch.results

    return ask


def entry_of(registry: Registry) -> RegistryEntry:
    """The client-table entry of one descriptor (its references resolved)."""
    return RegistryEntry(
        client_class(registry),
        registry.limits[0].name,
        _probe(batch_fetch(registry)),
        registry.status_key,
        registry.one_per_call,
    )


REGISTRIES: dict[str, RegistryEntry] = {r.service: entry_of(r) for r in DESCRIPTORS}
