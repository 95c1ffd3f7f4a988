"""SPOLIS client: the Ministry of Welfare's monitoring receiver (spolis.md).

Operations only, on the shared REST base (token with scope ``spolis.submit``, X-Road headers
for ``LV/GOV/LM/SPOLIS``, rate limit, the one retry layer, problem+json codes in errors, audit
rows). Batches carry an ``Idempotency-Key``: the caller stores key and body before the first
attempt, so a retry — by the connector or by a later run after a crash — sends the same bytes
under the same key and SPOLIS replays its first answer instead of processing twice.
"""

from __future__ import annotations

from typing import Any, ClassVar

from tilts.connectors.base import ServiceSpec
from tilts.connectors.rest import RestRegistryClient
from tilts.connectors.xroad import ServiceId
from tilts.kernel.errors import ContractError

#: Operation family (configured batch size and rate) of each batch kind.
FAMILIES = {"DECISION": "spolis", "PAYMENT": "spolis_payments"}


class SpolisClient(RestRegistryClient):
    """decisions/batch, payments/batch, monthly and annual reports, benefit checks, cofinancing."""

    SPEC: ClassVar[ServiceSpec] = ServiceSpec(
        name="spolis",
        scope="spolis.submit",
        path="/spolis/api/v1",
        xroad=ServiceId.parse("LV/GOV/LM/SPOLIS"),
        style="rest",
    )
    OPERATION_PATHS: ClassVar[dict[str, str]] = {
        "submitDecisions": "/decisions/batch",
        "submitPayments": "/payments/batch",
        "putMonthlyReport": "/reports/monthly/{atvk}/{period}",
        "getMonthlyReport": "/reports/monthly/{atvk}/{period}",
        "putAnnualReport": "/reports/annual/{atvk}/{period}",
        "getAnnualReport": "/reports/annual/{atvk}/{period}",
        "queryBenefitChecks": "/benefit-checks/query",
        "getCofinancing": "/cofinancing/{atvk}/{period}",
    }

    # -- §1, §2 ------------------------------------------------------------------------------
    def submit_batch(self, kind: str, body: dict[str, Any], key: str) -> dict[str, Any]:
        """Send a stored decision (``DECISION``) or payment (``PAYMENT``) batch under its key.

        Returns:
            ``{"batchId", "accepted": [...], "rejected": [...]}``, checked to answer every
            record of the body exactly once.

        Raises:
            FatalError: 400 / 403 / 409 ``IDEMPOTENCY_CONFLICT`` / 413 — nothing was processed.
            ContractError: the answer does not account for the records sent.
        """
        operation = "submitDecisions" if kind == "DECISION" else "submitPayments"
        records = body["records"]
        answer = self.request_json(
            operation, FAMILIES[kind], len(records), body, extra_headers={"Idempotency-Key": key}
        )
        accepted, rejected = answer.get("accepted"), answer.get("rejected")
        if not isinstance(accepted, list) or not isinstance(rejected, list):
            raise ContractError(f"spolis.{operation}: answer without accepted / rejected lists")
        sent = sorted(str(r["recordId"]) for r in records)
        got = sorted(str(x.get("recordId")) for x in (*accepted, *rejected))
        if sent != got:
            raise ContractError(f"spolis.{operation}: answer does not list the records sent")
        return answer

    # -- §3, §4 ------------------------------------------------------------------------------
    def put_report(self, kind: str, atvk: str, period: str, body: dict[str, Any]) -> dict[str, Any]:
        """PUT a monthly (``MONTHLY``, period ``YYYY-MM``) or annual (``ANNUAL``, ``YYYY``)
        report version; returns the receipt."""
        op = "putMonthlyReport" if kind == "MONTHLY" else "putAnnualReport"
        receipt = self.request_json(
            op, "spolis", 1, body, method="PUT", path_params={"atvk": atvk, "period": period}
        )
        if receipt.get("status") not in ("ACCEPTED", "REJECTED") or "receiptId" not in receipt:
            raise ContractError(f"spolis.{op}: answer is not a receipt")
        return receipt

    def get_report(self, kind: str, atvk: str, period: str) -> list[dict[str, Any]]:
        """Every version SPOLIS holds of a report, oldest first, each with its receipt."""
        op = "getMonthlyReport" if kind == "MONTHLY" else "getAnnualReport"
        answer = self.request_json(
            op, "spolis", 1, None, method="GET", path_params={"atvk": atvk, "period": period}
        )
        versions = answer.get("versions")
        if not isinstance(versions, list):
            raise ContractError(f"spolis.{op}: answer without versions")
        return versions

    # -- §5, §6 ------------------------------------------------------------------------------
    def benefit_checks(
        self, codes: list[str], month: str, kinds: list[str]
    ) -> list[dict[str, Any]]:
        """Other municipalities' decisions of ``kinds`` valid in ``month`` for ``codes`` (≤ 500),
        one result per code in request order."""
        answer = self.post_json(
            "queryBenefitChecks", "spolis", len(codes),
            {"personCodes": codes, "month": month, "kinds": kinds},
        )  # fmt: skip
        return self.results(answer, codes, "spolis")

    def cofinancing(self, atvk: str, month: str) -> dict[str, Any]:
        """The state's co-financing of ``month`` as the ministry computed it."""
        answer = self.request_json(
            "getCofinancing", "spolis", 1, None, method="GET",
            path_params={"atvk": atvk, "period": month},
        )  # fmt: skip
        if answer.get("status") not in ("CALCULATED", "PENDING"):
            raise ContractError("spolis.getCofinancing: answer without a status")
        return answer
