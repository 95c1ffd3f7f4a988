"""NVA unemployment-status client (registries.md §6)."""

from __future__ import annotations

from typing import Any, ClassVar

from tilts.connectors.base import ServiceSpec
from tilts.connectors.batch import Batch, Query, spec_of
from tilts.connectors.rest import RestRegistryClient
from tilts.registries.nva import NVA


class NvaClient(RestRegistryClient):
    """status/query."""

    SPEC: ClassVar[ServiceSpec] = spec_of(NVA)
    OPERATION_PATHS: ClassVar[dict[str, str]] = {NVA.operation: NVA.operation_path}

    def query_status(self, codes: list[str], as_of: str) -> list[dict[str, Any]]:
        """Registration of ``codes`` (≤ 500) as of a date."""
        answer = self.post_json(
            "queryStatus", "nva", len(codes), {"personCodes": codes, "asOfDate": as_of}
        )
        return self.results(answer, codes, "nva")


def fetch(client: NvaClient, codes: list[str], query: Query) -> Batch:
    """The batch query of the syncs (``registries/nva.py``): registrations as of the day."""
    if query.as_of is None:
        raise ValueError("nva: a query names its day")
    return Batch(client.query_status(codes, query.as_of))
