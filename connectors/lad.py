"""LAD rural support payments client (property.md §5): a monthly batch query like VSAA's."""

from __future__ import annotations

from typing import ClassVar

from tilts.connectors.base import ServiceSpec
from tilts.connectors.batch import Batch, Query, spec_of
from tilts.connectors.rest import RestRegistryClient
from tilts.connectors.vsaa import MonthlyAnswer
from tilts.registries.lad import LAD


class LadClient(RestRegistryClient):
    """payments/query."""

    SPEC: ClassVar[ServiceSpec] = spec_of(LAD)
    OPERATION_PATHS: ClassVar[dict[str, str]] = {LAD.operation: LAD.operation_path}

    def query_payments(self, codes: list[str], from_month: str, to_month: str) -> MonthlyAnswer:
        """Rural support payments of ``codes`` (≤ 500) paid in at most 12 months."""
        answer = self.post_json(
            LAD.operation, LAD.service, len(codes),
            {"personCodes": codes, "fromMonth": from_month, "toMonth": to_month},
        )  # fmt: skip
        return MonthlyAnswer(
            answer.get("dataCompleteThrough"), self.results(answer, codes, LAD.service)
        )


def fetch(client: LadClient, codes: list[str], query: Query) -> Batch:
    """The batch query of the syncs (``registries/lad.py``): payments of the query's months."""
    answer = client.query_payments(codes, query.months[0], query.months[-1])
    return Batch(answer.results, answer.data_complete_through)
