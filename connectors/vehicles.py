"""The batch query CSDD and VTUA share (property.md §3): ``{"personCodes", "asOfDate"}`` →
one result per code with its ``vehicles``. Each registry's client (``connectors/csdd.py``,
``connectors/vtua.py``) names its descriptor; the query is the same."""

from __future__ import annotations

from typing import Any, ClassVar

from tilts.connectors.batch import Batch, Query
from tilts.connectors.rest import RestRegistryClient
from tilts.registries import Registry


class VehicleClient(RestRegistryClient):
    """A vehicle register's ``…/query`` (its descriptor is :attr:`REGISTRY`)."""

    REGISTRY: ClassVar[Registry]

    def query_vehicles(self, codes: list[str], as_of: str) -> list[dict[str, Any]]:
        """Vehicles of ``codes`` (≤ 200) held as of a date (property.md §3)."""
        registry = self.REGISTRY
        answer = self.post_json(
            registry.operation,
            registry.service,
            len(codes),
            {"personCodes": codes, "asOfDate": as_of},
        )
        return self.results(answer, codes, registry.service)


def fetch(client: VehicleClient, codes: list[str], query: Query) -> Batch:
    """The batch query of the syncs (``registries/csdd.py``, ``registries/vtua.py``): the
    vehicles each person holds as of the day."""
    if query.as_of is None:
        raise ValueError(f"{client.REGISTRY.service}: a query names its day")
    return Batch(client.query_vehicles(codes, query.as_of))
