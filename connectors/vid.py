"""VID employment income and employers client (registries.md §5)."""

from __future__ import annotations

from typing import ClassVar

from tilts.connectors.base import ServiceSpec
from tilts.connectors.rest import RestRegistryClient
from tilts.connectors.vsaa import MonthlyAnswer
from tilts.connectors.xroad import ServiceId


class VidClient(RestRegistryClient):
    """income/query."""

    SPEC: ClassVar[ServiceSpec] = ServiceSpec(
        name="vid",
        scope="vid.income",
        path="/vid/api/v1",
        xroad=ServiceId.parse("LV/GOV/VID/INCOME"),
        style="rest",
    )
    OPERATION_PATHS: ClassVar[dict[str, str]] = {"queryIncome": "/income/query"}

    def query_income(self, codes: list[str], from_month: str, to_month: str) -> MonthlyAnswer:
        """Employments and monthly income of ``codes`` (≤ 200) for at most 12 months."""
        answer = self.post_json(
            "queryIncome", "vid", len(codes),
            {"personCodes": codes, "fromMonth": from_month, "toMonth": to_month},
        )  # fmt: skip
        return MonthlyAnswer(answer.get("dataCompleteThrough"), self.results(answer, codes, "vid"))
