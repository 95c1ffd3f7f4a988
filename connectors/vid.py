"""VID employment income and employers client (registries.md §5)."""

from __future__ import annotations

from typing import ClassVar

from tilts.connectors.base import ServiceSpec
from tilts.connectors.batch import Batch, Query, spec_of
from tilts.connectors.rest import RestRegistryClient
from tilts.connectors.vsaa import MonthlyAnswer
from tilts.registries.vid import VID


class VidClient(RestRegistryClient):
    """income/query."""

    SPEC: ClassVar[ServiceSpec] = spec_of(VID)
    OPERATION_PATHS: ClassVar[dict[str, str]] = {VID.operation: VID.operation_path}

    def query_income(self, codes: list[str], from_month: str, to_month: str) -> MonthlyAnswer:
        """Employments and monthly income of ``codes`` (≤ 200) for at most 12 months."""
        answer = self.post_json(
            "queryIncome", "vid", len(codes),
            {"personCodes": codes, "fromMonth": from_month, "toMonth": to_month},
        )  # fmt: skip
        return MonthlyAnswer(answer.get("dataCompleteThrough"), self.results(answer, codes, "vid"))


def fetch(client: VidClient, codes: list[str], query: Query) -> Batch:
    """The batch query of the syncs (``registries/vid.py``): income of the query's months."""
    answer = client.query_income(codes, query.months[0], query.months[-1])
    return Batch(answer.results, answer.data_complete_through)
