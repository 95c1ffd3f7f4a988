"""NVA unemployment-status client (registries.md §6)."""

from __future__ import annotations

from typing import Any, ClassVar

from tilts.connectors.base import ServiceSpec
from tilts.connectors.rest import RestRegistryClient
from tilts.connectors.xroad import ServiceId


class NvaClient(RestRegistryClient):
    """status/query."""

    SPEC: ClassVar[ServiceSpec] = ServiceSpec(
        name="nva",
        scope="nva.status",
        path="/nva/api/v1",
        xroad=ServiceId.parse("LV/GOV/NVA/STATUS"),
        style="rest",
    )
    OPERATION_PATHS: ClassVar[dict[str, str]] = {"queryStatus": "/status/query"}

    def query_status(self, codes: list[str], as_of: str) -> list[dict[str, Any]]:
        """Registration of ``codes`` (≤ 500) as of a date."""
        answer = self.post_json(
            "queryStatus", "nva", len(codes), {"personCodes": codes, "asOfDate": as_of}
        )
        return self.results(answer, codes, "nva")
