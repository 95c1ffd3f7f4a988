"""SPOLIS — the Ministry of Welfare's monitoring receiver (``spolis.md``), as a mock service.

API under ``/spolis/api/v1`` (scope ``spolis.submit``; a municipality reads and writes only its
own ATVK, else 403 ``WRONG_MUNICIPALITY``); contract in ``mocks/openapi/spolis.json``, served
without a token at ``GET /spolis/api/v1/openapi.json``:

* ``POST /decisions/batch`` (≤ 500) and ``POST /payments/batch`` (≤ 1,000), ``Idempotency-Key``
  required → ``{"batchId", "accepted": [{"recordId", "version", "receiptId"}], "rejected":
  [{"recordId", "errors": [{"field", "code", "message"}]}]}``;
* ``PUT|GET /reports/monthly/{atvk}/{YYYY-MM}`` and ``PUT|GET /reports/annual/{atvk}/{YYYY}`` →
  a receipt ``{"receiptId", "status", "version", "receivedAt", "late", "errors", "warnings"}``
  / ``{"versions": [{"version", "receipt", "indicators" | "rows"}]}``;
* ``POST /benefit-checks/query`` → ``{"month", "results": [{"personCode", "status",
  "otherMunicipalities": [{"atvk", "kind", "validFrom", "validTo"}]}]}``;
* ``GET /cofinancing/{atvk}/{YYYY-MM}`` → ``{"month", "gmiEurReported", "stateSharePercent",
  "stateAmount", "status"}``.

The pipeline is :mod:`mocks.spolis.http`, the rules :mod:`mocks.spolis.rules` and
:mod:`mocks.spolis.annual`, the memory
:mod:`mocks.spolis.store`, the ministry's HTML view :mod:`mocks.spolis.view` (``GET /spolis/``)
and the test views :mod:`mocks.spolis.admin` (``/_admin/spolis/…``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any, Literal

from starlette.routing import BaseRoute, Route

from tilts.assessment import Rules, default_rules
from tilts.assessment.periods import Month
from tilts.kernel.personal_code import invalid_reason, normalise
from tilts.mocks import openapi
from tilts.mocks.gateway.state import MockState
from tilts.mocks.spolis import admin as spolis_admin
from tilts.mocks.spolis import annual as A
from tilts.mocks.spolis import rules as R
from tilts.mocks.spolis import view as spolis_view
from tilts.mocks.spolis.http import DOC, SPEC, Call, api_route, body_validators
from tilts.mocks.spolis.store import Batch, ReportVersion, SpolisStore, StoredRecord, digest, new_id

__all__ = ["SPEC", "routes"]


@dataclass(frozen=True)
class Desk:
    """What the API's handlers work with: the server state, SPOLIS's memory, the rules."""

    state: MockState
    store: SpolisStore
    rules: Rules


def now(desk: Desk) -> dt.datetime:
    return R.received_at(desk.state.population.today, desk.store.time_of_day)


# ------------------------------------------------------------------ §1, §2 batches
def version_issue(outcome: str, have: StoredRecord | None) -> list[R.Issue]:
    if outcome not in ("STALE_VERSION", "VERSION_CONFLICT") or have is None:
        return []
    text = (
        f"older than the stored version {have.version}"
        if outcome == "STALE_VERSION"
        else f"version {have.version} is stored with other content"
    )
    return [R.issue("version", outcome, text)]


def submit(desk: Desk, call: Call, kind: Literal["decisions", "payments"]) -> dict[str, Any]:
    table = desk.store.decisions if kind == "decisions" else desk.store.payments
    today = desk.state.population.today
    batch_id, at = new_id(), now(desk).isoformat()
    accepted: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    months: set[str] = set()
    codes: list[tuple[str, str]] = []
    for rec in call.body["records"]:
        if kind == "decisions":
            errors = R.decision_issues(rec, today, desk.rules)
        else:
            decision = desk.store.decisions.current(call.atvk, str(rec["decisionRecordId"]))
            errors = R.payment_issues(rec, None if decision is None else decision.record, today)
        outcome, have = table.check(call.atvk, rec)
        errors += version_issue(outcome, have)
        if errors:
            rejected.append({"recordId": rec["recordId"], "errors": errors})
            codes.extend(sorted({(str(e["field"]), str(e["code"])) for e in errors}))
            continue
        if outcome == "SAME" and have is not None:
            stored = have
        else:
            stored = table.add(call.atvk, rec, batch_id, at)
            months.add(rec["decisionDate"][:7] if kind == "decisions" else rec["month"])
        accepted.append(
            {
                "recordId": rec["recordId"],
                "version": stored.version,
                "receiptId": stored.receipt_id,
            }
        )
    desk.store.batches.append(
        Batch(
            batch_id,
            kind,
            call.atvk,
            at,
            len(accepted),
            len(rejected),
            tuple(sorted(months)),
            tuple(codes),
        )  # type: ignore[arg-type]
    )
    return {"batchId": batch_id, "accepted": accepted, "rejected": rejected}


# ------------------------------------------------------------------ §3, §4 reports
def put_report(desk: Desk, call: Call, kind: str) -> dict[str, Any]:
    atvk = call.atvk
    period = call.params["month" if kind == "monthly" else "year"]
    today = desk.state.population.today
    last = desk.store.last_accepted(kind, atvk, period)
    body_digest = digest(call.body)
    if last is not None and last.digest == body_digest:
        return last.receipt  # the same report again: the same receipt, nothing stored
    received = now(desk)
    if kind == "monthly":
        month = Month.parse(period)
        errors, values = R.monthly_issues(call.body["indicators"], month, today)
        warnings = R.monthly_warnings(
            values, desk.store.paid_in_month(atvk, period), desk.store.end_counts(atvk, month)
        )
        due = R.monthly_due(month)
    else:
        year = int(period)
        errors, warnings, by_kind = A.annual_issues(call.body["rows"], year, today)
        paid = desk.store.paid_by_kind(atvk, {f"{year}-{m:02d}" for m in range(1, 13)})
        warnings += A.annual_payment_warnings(by_kind, paid)
        due = R.annual_due(year)
    version = int(call.body["version"])
    if last is not None and version <= last.receipt["version"]:
        errors.append(
            R.issue(
                "version",
                "STALE_VERSION",
                f"not higher than the last accepted version {last.receipt['version']}",
            )
        )
    receipt = {
        "receiptId": new_id(),
        "status": "REJECTED" if errors else "ACCEPTED",
        "version": version,
        "receivedAt": received.isoformat(),
        "late": R.is_late(received, due),
        "errors": errors,
        "warnings": warnings,
    }
    entry = ReportVersion(receipt, call.body, body_digest)
    desk.store.reports(kind).setdefault((atvk, period), []).append(entry)
    return receipt


def get_report(desk: Desk, call: Call, kind: str) -> dict[str, Any]:
    period = call.params["month" if kind == "monthly" else "year"]
    part = "indicators" if kind == "monthly" else "rows"
    return {
        "versions": [
            {"version": v.receipt["version"], "receipt": v.receipt, part: v.body[part]}
            for v in desk.store.reports(kind).get((call.atvk, period), [])
        ]
    }


# ------------------------------------------------------------------ §5, §6
def benefit_checks(desk: Desk, call: Call) -> dict[str, Any]:
    month = Month.parse(call.body["month"])
    kinds = set(call.body["kinds"])
    found: dict[str, list[dict[str, Any]]] = {}
    for atvk, d in desk.store.decisions.records():
        rec = d.record
        if (
            atvk != call.atvk
            and rec["outcome"] == "GRANTED"
            and rec["kind"] in kinds
            and R.valid_in(rec, month.first_day, month.last_day)
        ):
            found.setdefault(normalise(str(rec["personCode"])), []).append(
                {
                    "atvk": atvk,
                    "kind": rec["kind"],
                    "validFrom": rec["validFrom"],
                    "validTo": rec.get("validTo"),
                }
            )
    results = []
    for code in call.body["personCodes"]:
        bad = invalid_reason(code) is not None
        other = [] if bad else found.get(normalise(code), [])
        results.append(
            {
                "personCode": code,
                "status": "INVALID_CODE" if bad else "CHECKED",
                "otherMunicipalities": sorted(
                    other, key=lambda o: (o["atvk"], o["kind"], o["validFrom"])
                ),
            }
        )
    return {"month": str(month), "results": results}


def cofinancing(desk: Desk, call: Call) -> dict[str, Any]:
    month = call.params["month"]
    share = desk.store.share_percent
    answer: dict[str, Any] = {
        "month": month,
        "gmiEurReported": None,
        "stateSharePercent": int(share) if share == share.to_integral() else float(share),
        "stateAmount": None,
        "status": "PENDING",
    }
    last = desk.store.last_accepted("monthly", call.atvk, month)
    if last is not None:
        gmi = next(Decimal(i["value"]) for i in last.body["indicators"] if i["code"] == "GMI_EUR")
        amount = (gmi * share / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
        answer.update(
            gmiEurReported=R.money(str(gmi)), stateAmount=str(amount), status="CALCULATED"
        )
    return answer


def routes(state: MockState) -> list[BaseRoute]:
    """The SPOLIS API, the ministry's view and (with admin on) ``/_admin/spolis/…``."""
    store = SpolisStore()
    state.on_reset(store.reset)
    desk = Desk(state, store, default_rules())
    validators = body_validators()

    def route(path: str, method: str, op: str, fn: Any, idempotent: bool = False) -> Route:
        return api_route(state, store, path, method, op, fn, validators, idempotent)

    monthly, annual = "/reports/monthly/{atvk}/{month}", "/reports/annual/{atvk}/{year}"
    out: list[BaseRoute] = [
        openapi.document_route(DOC, SPEC),
        route(
            "/decisions/batch",
            "POST",
            "submitDecisions",
            partial(submit, desk, kind="decisions"),
            True,
        ),
        route(
            "/payments/batch",
            "POST",
            "submitPayments",
            partial(submit, desk, kind="payments"),
            True,
        ),
        route(monthly, "PUT", "putMonthlyReport", partial(put_report, desk, kind="monthly")),
        route(monthly, "GET", "getMonthlyReport", partial(get_report, desk, kind="monthly")),
        route(annual, "PUT", "putAnnualReport", partial(put_report, desk, kind="annual")),
        route(annual, "GET", "getAnnualReport", partial(get_report, desk, kind="annual")),
        route("/benefit-checks/query", "POST", "queryBenefitChecks", partial(benefit_checks, desk)),
        route("/cofinancing/{atvk}/{month}", "GET", "getCofinancing", partial(cofinancing, desk)),
    ]
    out.extend(spolis_view.routes(state, store))
    if state.config.admin:
        out.extend(spolis_admin.routes(state, store))
    return out
