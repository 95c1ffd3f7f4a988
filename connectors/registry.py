"""The explicit table of registry clients (like tap-github's ``Streams``): no discovery.

Each entry says which client class speaks to the service, which operation family carries its
per-person batch query, and how to call that query on a list of codes — which is all the
contract test and the nightly sync need to treat every registry the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connectors.base import RegistryClient
from connectors.pmlp import PmlpClient


@dataclass(frozen=True)
class RegistryEntry:
    """One registry: its client, batch family and per-person batch query."""

    client: type[RegistryClient]
    family: str
    batch_query: Callable[[Any, list[str]], list[dict[str, Any]]]
    status_key: str  # the per-person outcome field of a record


REGISTRIES: dict[str, RegistryEntry] = {
    "pmlp": RegistryEntry(PmlpClient, "pmlp", lambda c, codes: c.get_persons(codes), "result"),
}
