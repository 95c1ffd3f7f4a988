"""UGFA Maintenance Guarantee Fund client (property.md §6): a monthly batch query like VSAA's."""

from __future__ import annotations

from typing import ClassVar

from tilts.connectors.base import ServiceSpec
from tilts.connectors.batch import Batch, Query, spec_of
from tilts.connectors.rest import RestRegistryClient
from tilts.connectors.vsaa import MonthlyAnswer
from tilts.registries.ugfa import UGFA


class UgfaClient(RestRegistryClient):
    """maintenance/query."""

    SPEC: ClassVar[ServiceSpec] = spec_of(UGFA)
    OPERATION_PATHS: ClassVar[dict[str, str]] = {UGFA.operation: UGFA.operation_path}

    def query_maintenance(self, codes: list[str], from_month: str, to_month: str) -> MonthlyAnswer:
        """Maintenance paid for the children ``codes`` (≤ 500) for at most 12 months."""
        answer = self.post_json(
            UGFA.operation, UGFA.service, len(codes),
            {"personCodes": codes, "fromMonth": from_month, "toMonth": to_month},
        )  # fmt: skip
        return MonthlyAnswer(
            answer.get("dataCompleteThrough"), self.results(answer, codes, UGFA.service)
        )


def fetch(client: UgfaClient, codes: list[str], query: Query) -> Batch:
    """The batch query of the syncs (``registries/ugfa.py``): payments of the query's months."""
    answer = client.query_maintenance(codes, query.months[0], query.months[-1])
    return Batch(answer.results, answer.data_complete_through)
