"""The explicit table of registry clients (like tap-github's ``Streams``): no discovery.

Each entry says which client class speaks to the service, which operation family carries its
per-person batch query, and how to call that query on a list of codes — which is all the
contract test needs to treat every registry the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tilts.connectors.base import RegistryClient
from tilts.connectors.nva import NvaClient
from tilts.connectors.pmlp import PmlpClient
from tilts.connectors.vdeavk import VdeavkClient
from tilts.connectors.vid import VidClient
from tilts.connectors.vsaa import VsaaClient

PROBE_FROM, PROBE_TO = "2026-08", "2026-10"


@dataclass(frozen=True)
class RegistryEntry:
    """One registry: its client, batch family and per-person batch query."""

    client: type[RegistryClient]
    family: str
    batch_query: Callable[[Any, list[str]], list[dict[str, Any]]]
    status_key: str  # the per-person outcome field of a record


REGISTRIES: dict[str, RegistryEntry] = {
    "pmlp": RegistryEntry(PmlpClient, "pmlp", lambda c, codes: c.get_persons(codes), "result"),
    "vdeavk": RegistryEntry(
        VdeavkClient, "vdeavk", lambda c, codes: c.get_decisions(codes), "result"
    ),
    "vsaa": RegistryEntry(
        VsaaClient,
        "vsaa",
        lambda c, codes: c.query_payments(codes, PROBE_FROM, PROBE_TO).results,
        "status",
    ),
    "vid": RegistryEntry(
        VidClient,
        "vid",
        lambda c, codes: c.query_income(codes, PROBE_FROM, PROBE_TO).results,
        "status",
    ),
    "nva": RegistryEntry(
        NvaClient, "nva", lambda c, codes: c.query_status(codes, "2026-11-01"), "status"
    ),
}
