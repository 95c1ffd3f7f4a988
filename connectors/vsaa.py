"""VSAA pensions and state benefits client (registries.md §4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from tilts.connectors.base import ServiceSpec
from tilts.connectors.batch import Batch, Query, spec_of
from tilts.connectors.rest import RestRegistryClient
from tilts.registries.vsaa import VSAA


@dataclass(frozen=True)
class MonthlyAnswer:
    """Per-person results of a monthly query and the month the source is complete through."""

    data_complete_through: str | None
    results: list[dict[str, Any]]


class VsaaClient(RestRegistryClient):
    """payments/query."""

    SPEC: ClassVar[ServiceSpec] = spec_of(VSAA)
    OPERATION_PATHS: ClassVar[dict[str, str]] = {VSAA.operation: VSAA.operation_path}

    def query_payments(self, codes: list[str], from_month: str, to_month: str) -> MonthlyAnswer:
        """Payments of ``codes`` (≤ 500) for at most 12 months."""
        answer = self.post_json(
            "queryPayments", "vsaa", len(codes),
            {"personCodes": codes, "fromMonth": from_month, "toMonth": to_month},
        )  # fmt: skip
        return MonthlyAnswer(answer.get("dataCompleteThrough"), self.results(answer, codes, "vsaa"))


def fetch(client: VsaaClient, codes: list[str], query: Query) -> Batch:
    """The batch query of the syncs (``registries/vsaa.py``): payments of the query's months."""
    answer = client.query_payments(codes, query.months[0], query.months[-1])
    return Batch(answer.results, answer.data_complete_through)
