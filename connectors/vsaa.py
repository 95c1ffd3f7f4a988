"""VSAA pensions and state benefits client (registries.md §4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from tilts.connectors.base import ServiceSpec
from tilts.connectors.rest import RestRegistryClient
from tilts.connectors.xroad import ServiceId


@dataclass(frozen=True)
class MonthlyAnswer:
    """Per-person results of a monthly query and the month the source is complete through."""

    data_complete_through: str | None
    results: list[dict[str, Any]]


class VsaaClient(RestRegistryClient):
    """payments/query."""

    SPEC: ClassVar[ServiceSpec] = ServiceSpec(
        name="vsaa",
        scope="vsaa.payments",
        path="/vsaa/api/v1",
        xroad=ServiceId.parse("LV/GOV/VSAA/PAYMENTS"),
        style="rest",
    )
    OPERATION_PATHS: ClassVar[dict[str, str]] = {"queryPayments": "/payments/query"}

    def query_payments(self, codes: list[str], from_month: str, to_month: str) -> MonthlyAnswer:
        """Payments of ``codes`` (≤ 500) for at most 12 months."""
        answer = self.post_json(
            "queryPayments", "vsaa", len(codes),
            {"personCodes": codes, "fromMonth": from_month, "toMonth": to_month},
        )  # fmt: skip
        return MonthlyAnswer(answer.get("dataCompleteThrough"), self.results(answer, codes, "vsaa"))
