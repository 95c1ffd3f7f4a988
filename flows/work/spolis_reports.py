"""Monthly and annual SPOLIS reports (spolis.md §3, §4): build, check, store, send, receipt.

A report is built from the store, checked with the same consistency rules the ministry applies
(:mod:`schemas.spolis`, through the one validation step), and only a report that passes is
sent. It is stored with its version *before* the ``PUT``; a version left without a receipt by
a crash is looked up (``GET``) or sent again unchanged by the next run. A report whose figures
equal the last accepted version's is not sent again; a re-run after a correction sends the next
version. A ``STALE_VERSION`` receipt (SPOLIS holds versions this store does not know, e.g.
after a restore) is answered once with the version after SPOLIS's highest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from tilts.assessment import Month
from tilts.flows.runtime import Runtime
from tilts.flows.work.reassess import rules_for
from tilts.flows.work.spolis_annual import annual_rows
from tilts.flows.work.spolis_figures import monthly_indicators
from tilts.flows.work.spolis_gateway import spolis_client
from tilts.kernel.clock import riga_now
from tilts.kernel.config import MunicipalitySettings
from tilts.kernel.errors import ConfigError, InputError
from tilts.schemas.spolis import AnnualRowSchema, MonthlyIndicatorSchema
from tilts.schemas.validate import validate_records
from tilts.store import spolis_reports as repo
from tilts.store.db import transaction
from tilts.store.ops import now
from tilts.store.spolis import content_hash, quarantine_once

RESPONDENT_KEYS = ("name", "address", "phone", "email", "head")


def parse_period(kind: str, period: str) -> str:
    """``YYYY-MM`` for a monthly report, ``YYYY`` for an annual one.

    Raises:
        InputError: naming ``--month`` / ``--year``.
    """
    try:
        if kind == "MONTHLY":
            return str(Month.parse(period))
        if len(period) == 4 and period.isascii() and period.isdigit() and int(period) >= 1:
            return period
    except ValueError:
        pass
    raise InputError("--month: expected YYYY-MM" if kind == "MONTHLY" else "--year: expected YYYY")


def respondent(key: str, muni: MunicipalitySettings) -> dict[str, str]:
    """The report's respondent block from ``municipalities.<key>.respondent`` (name defaults to
    the municipality's).

    Raises:
        ConfigError: an unknown key, naming it.
    """
    for k in muni.respondent:
        if k not in RESPONDENT_KEYS:
            known = ", ".join(RESPONDENT_KEYS)
            raise ConfigError(f"municipalities.{key}.respondent.{k}: unknown key; known: {known}")
    return {"name": muni.name, **{k: v[:200] for k, v in muni.respondent.items()}}


@dataclass
class Build:
    """A report's figures, their hash and what the local checks found."""

    kind: str
    period: str
    figures: list[dict[str, Any]]
    issues: list[str]

    @property
    def part(self) -> str:
        return "indicators" if self.kind == "MONTHLY" else "rows"

    @property
    def content_hash(self) -> str:
        return content_hash(self.figures)


def build(rt: Runtime, atvk: str, kind: str, period: str, as_of: date) -> Build:
    """Compute the report's figures and check them (nothing is stored or sent)."""
    mid = rt.municipality_id(atvk)
    with rt.factory() as s:
        if kind == "MONTHLY":
            figures: list[dict[str, Any]] = list(monthly_indicators(s, mid, Month.parse(period)))
            unknown = 0
        else:
            rows, unknown = annual_rows(s, mid, atvk, int(period), rules_for(rt.settings))
            figures = list(rows)
    issues = check(kind, period, figures, as_of)
    if unknown:
        issues.append(f"persons: {unknown} without a known birth date (no category)")
    return Build(kind, period, figures, issues)


def check(kind: str, period: str, figures: list[dict[str, Any]], as_of: date) -> list[str]:
    """The local checks (:mod:`schemas.spolis`): ``"<code or row>: <column>: <check>"`` issues."""
    if kind == "MONTHLY":
        extra: dict[str, Any] = {"month": period, "asOfMonth": str(Month.of(as_of))}
        schema: Any = MonthlyIndicatorSchema
        name = "code"
    else:
        extra = {"year": int(period), "asOfYear": as_of.year}
        schema = AnnualRowSchema
        name = "kind"
    _, invalid = validate_records([{**f, **extra} for f in figures], schema)
    return [f"{row.get(name)}: {reason}" for row, reason in invalid]


def payload(rt: Runtime, atvk: str, b: Build, version: int) -> dict[str, Any]:
    """The body of the ``PUT``."""
    key = next(k for k, m in rt.settings.municipalities.items() if m.atvk == atvk)
    return {
        "version": version,
        "preparedAt": riga_now().replace(microsecond=0).isoformat(),
        "respondent": respondent(key, rt.settings.municipality(atvk)),
        b.part: b.figures,
    }


@dataclass
class Outcome:
    """What a report run came to (no personal data: figures are aggregates)."""

    kind: str
    period: str
    status: str  # ACCEPTED, REJECTED, INVALID, UNCHANGED, ALREADY_ACCEPTED, DRY_RUN
    version: int | None = None
    receipt_id: str | None = None
    late: bool | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status in ("REJECTED", "INVALID")


def _issues(receipt: dict[str, Any], key: str) -> list[str]:
    return [f"{i.get('field')}: {i.get('code')}" for i in receipt.get(key) or []]


def _outcome(kind: str, period: str, version: int, receipt: dict[str, Any]) -> Outcome:
    return Outcome(
        kind, period, str(receipt["status"]), version, str(receipt["receiptId"]),
        bool(receipt.get("late")), _issues(receipt, "errors"), _issues(receipt, "warnings"),
    )  # fmt: skip


def _send(
    rt: Runtime, atvk: str, report_id: int, kind: str, period: str, body: dict[str, Any]
) -> dict[str, Any]:
    receipt = spolis_client(rt, atvk).put_report(kind, atvk, period, body)
    with transaction(rt.factory) as s:
        repo.set_receipt(s, report_id, receipt, now())
    return receipt


def recover(rt: Runtime, atvk: str, kind: str, period: str) -> list[Outcome]:
    """Settle versions stored but never seen answered: take SPOLIS's receipt if it holds the
    version, else send the stored body again."""
    mid = rt.municipality_id(atvk)
    with rt.factory() as s:
        pending = repo.reports(s, mid, kind, period, "PREPARED")
    if not pending:
        return []
    held = {
        int(v["version"]): v["receipt"]
        for v in spolis_client(rt, atvk).get_report(kind, atvk, period)
    }
    out = []
    for row in pending:
        assert row.version is not None
        receipt = held.get(row.version)
        if receipt is not None:
            with transaction(rt.factory) as s:
                repo.set_receipt(s, row.id, receipt, now())
        else:
            receipt = _send(rt, atvk, row.id, kind, period, row.payload)
        out.append(_outcome(kind, period, row.version, receipt))
    return out


def submit(
    rt: Runtime, atvk: str, kind: str, period: str, as_of: date, until_accepted: bool = False
) -> Outcome:
    """Build, check, store and send the period's report (see the module docstring).

    Args:
        until_accepted: do nothing once the period's report is accepted (the daily retries of
            the monthly deployment, 5th to 15th).
    """
    mid = rt.municipality_id(atvk)
    recovered = recover(rt, atvk, kind, period)
    with rt.factory() as s:
        accepted = repo.last_accepted(s, mid, kind, period)
    if until_accepted and accepted is not None:
        return Outcome(kind, period, "ALREADY_ACCEPTED", accepted.version, accepted.receipt_id)
    b = build(rt, atvk, kind, period, as_of)
    if b.issues:
        with transaction(rt.factory) as s:
            repo.add_report(s, mid, kind, period, None, {b.part: b.figures}, b.content_hash,
                            b.issues, now(), rt.key)  # fmt: skip
            items = [(f"{atvk}:{kind}:{period}", {"issue": i}, i) for i in b.issues]
            quarantine_once(s, "spolis", f"{kind.lower()}_report", items, rt.key, now())
        return Outcome(kind, period, "INVALID", errors=b.issues)
    if accepted is not None and accepted.content_hash == b.content_hash:
        last = next((o for o in recovered if o.version == accepted.version), None)
        return last or Outcome(kind, period, "UNCHANGED", accepted.version, accepted.receipt_id)
    outcome = _put_new(rt, atvk, b, None)
    if "version: STALE_VERSION" in outcome.errors:
        versions = spolis_client(rt, atvk).get_report(kind, atvk, period)
        outcome = _put_new(rt, atvk, b, max(int(v["version"]) for v in versions) + 1)
    return outcome


def _put_new(rt: Runtime, atvk: str, b: Build, at_least: int | None) -> Outcome:
    mid = rt.municipality_id(atvk)
    with transaction(rt.factory) as s:
        version = max(repo.next_version(s, mid, b.kind, b.period), at_least or 0)
        body = payload(rt, atvk, b, version)
        report_id = repo.add_report(s, mid, b.kind, b.period, version, body, b.content_hash,
                                    [], now(), rt.key)  # fmt: skip
    receipt = _send(rt, atvk, report_id, b.kind, b.period, body)
    return _outcome(b.kind, b.period, version, receipt)


def dry_run(rt: Runtime, atvk: str, kind: str, period: str, as_of: date, out: Path) -> Outcome:
    """Build and check the report; write the payload it would send and the check's result to
    ``out`` (nothing is stored or sent)."""
    b = build(rt, atvk, kind, period, as_of)
    with rt.factory() as s:
        version = repo.next_version(s, rt.municipality_id(atvk), kind, period)
    body = payload(rt, atvk, b, version)
    document = {
        "municipality": atvk, "kind": kind, "period": period, "payload": body,
        "validation": {"valid": not b.issues, "issues": b.issues},
    }  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    return Outcome(kind, period, "INVALID" if b.issues else "DRY_RUN", version, errors=b.issues)
