"""The SPOLIS mock's memory: decision and payment records with their versions, reports, batches.

One :class:`SpolisStore` per server, cleared by ``POST /_admin/reset`` (a reset hook). Nothing is
ever overwritten in place: a record's versions and a report's submissions are kept in order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from tilts.assessment.periods import Month
from tilts.kernel.personal_code import normalise
from tilts.mocks.spolis import rules

DEFAULT_SHARE_PERCENT = Decimal("30")
VersionOutcome = Literal["NEW", "SAME", "STALE_VERSION", "VERSION_CONFLICT"]


def digest(data: Any) -> str:
    """A stable hash of a JSON value (key order and whitespace do not matter)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class StoredRecord:
    """One accepted version of a decision or payment record."""

    version: int
    receipt_id: str
    record: dict[str, Any]
    digest: str
    batch_id: str
    received_at: str


@dataclass
class RecordTable:
    """Versioned records per (ATVK, recordId); ``history`` holds every accepted version."""

    history: dict[tuple[str, str], list[StoredRecord]] = field(default_factory=dict)

    def current(self, atvk: str, record_id: str) -> StoredRecord | None:
        versions = self.history.get((atvk, record_id))
        return versions[-1] if versions else None

    def check(self, atvk: str, rec: dict[str, Any]) -> tuple[VersionOutcome, StoredRecord | None]:
        """§1: higher version = correction, same + same content = same receipt, else refused."""
        now = self.current(atvk, str(rec["recordId"]))
        if now is None or rec["version"] > now.version:
            return "NEW", now
        if rec["version"] < now.version:
            return "STALE_VERSION", now
        return ("SAME" if digest(rec) == now.digest else "VERSION_CONFLICT"), now

    def add(self, atvk: str, rec: dict[str, Any], batch_id: str, at: str) -> StoredRecord:
        stored = StoredRecord(int(rec["version"]), new_id(), rec, digest(rec), batch_id, at)
        self.history.setdefault((atvk, str(rec["recordId"])), []).append(stored)
        return stored

    def records(self, atvk: str | None = None) -> Iterator[tuple[str, StoredRecord]]:
        """The current version of each record (of one municipality), as (ATVK, record)."""
        for (a, _), versions in sorted(self.history.items()):
            if atvk is None or a == atvk:
                yield a, versions[-1]


@dataclass
class ReportVersion:
    """One submission of a monthly or annual report (accepted or rejected)."""

    receipt: dict[str, Any]
    body: dict[str, Any]
    digest: str

    @property
    def accepted(self) -> bool:
        return bool(self.receipt["status"] == "ACCEPTED")


@dataclass
class Batch:
    """A decision or payment batch as the ministry's view counts it."""

    batch_id: str
    kind: Literal["decisions", "payments"]
    atvk: str
    received_at: str
    accepted: int
    rejected: int
    months: tuple[str, ...]  # months the accepted records concern
    # (field, code) of each rejected record's errors (one entry per record and distinct pair;
    # the field without the record's index, never a value): what the ministry's view counts
    rejected_codes: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "batchId": self.batch_id,
            "kind": self.kind,
            "atvk": self.atvk,
            "receivedAt": self.received_at,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "months": list(self.months),
            "rejectedCodes": [{"field": f, "code": c} for f, c in self.rejected_codes],
        }


@dataclass
class SpolisStore:
    decisions: RecordTable = field(default_factory=RecordTable)
    payments: RecordTable = field(default_factory=RecordTable)
    monthly: dict[tuple[str, str], list[ReportVersion]] = field(default_factory=dict)
    annual: dict[tuple[str, str], list[ReportVersion]] = field(default_factory=dict)
    batches: list[Batch] = field(default_factory=list)
    # (client id, operation, Idempotency-Key) → (body digest, first answer)
    idempotency: dict[tuple[str, str, str], tuple[str, dict[str, Any]]] = field(
        default_factory=dict
    )
    share_percent: Decimal = DEFAULT_SHARE_PERCENT
    time_of_day: dt.time | None = None

    def reset(self) -> None:
        """Forget everything (records, reports, batches, idempotency keys, configuration)."""
        self.__dict__.update(SpolisStore().__dict__)

    # ------------------------------------------------------------------ reports
    def reports(self, kind: str) -> dict[tuple[str, str], list[ReportVersion]]:
        return self.monthly if kind == "monthly" else self.annual

    def last_accepted(self, kind: str, atvk: str, period: str) -> ReportVersion | None:
        for v in reversed(self.reports(kind).get((atvk, period), [])):
            if v.accepted:
                return v
        return None

    def report_atvks(self) -> set[str]:
        return {a for a, _ in self.monthly} | {a for a, _ in self.annual}

    # ------------------------------------------------------------------ figures
    def paid_by_kind(self, atvk: str, months: set[str]) -> dict[tuple[str, str], Decimal]:
        """Current payments of ``months`` by (decision kind, form)."""
        out: dict[tuple[str, str], Decimal] = {}
        for _, p in self.payments.records(atvk):
            if p.record["month"] not in months:
                continue
            decision = self.decisions.current(atvk, str(p.record["decisionRecordId"]))
            kind = "BENEFIT_OTHER" if decision is None else str(decision.record["kind"])
            key = (kind, str(p.record["form"]))
            out[key] = out.get(key, Decimal("0.00")) + Decimal(str(p.record["amount"]))
        return out

    def paid_in_month(self, atvk: str, month: str) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for (kind, _), amount in self.paid_by_kind(atvk, {month}).items():
            out[kind] = out.get(kind, Decimal("0.00")) + amount
        return out

    def end_counts(self, atvk: str, month: Month) -> dict[str, int]:
        """Households (distinct householdId) and persons (distinct personCode) holding a
        granted status on the month's last day, by the current decision records."""
        day = month.last_day
        seen: dict[str, tuple[set[str], set[str]]] = {k: (set(), set()) for k in rules.STATUS_KINDS}
        for _, d in self.decisions.records(atvk):
            rec = d.record
            if (
                rec["kind"] in seen
                and rec["outcome"] == "GRANTED"
                and rules.valid_in(rec, day, day)
            ):
                households, persons = seen[rec["kind"]]
                households.add(str(rec["householdId"]))
                persons.add(normalise(str(rec["personCode"])))
        out: dict[str, int] = {}
        for code, (kind, what) in rules.END_COUNTS.items():
            households, persons = seen[kind]
            out[code] = len(households if what == "households" else persons)
        return out

    def batch_counts(self, atvk: str, months: set[str]) -> dict[str, int]:
        """Decision and payment batches of ``atvk`` with an accepted record of ``months``."""
        counts = {"decisions": 0, "payments": 0}
        for b in self.batches:
            if b.atvk == atvk and months.intersection(b.months):
                counts[b.kind] += 1
        return counts

    def record_counts(self, atvk: str, months: set[str]) -> tuple[int, int, str]:
        """Current decisions dated in ``months``, payments for them, and the EUR paid."""
        decided = sum(
            1 for _, d in self.decisions.records(atvk) if d.record["decisionDate"][:7] in months
        )
        paid = [p for _, p in self.payments.records(atvk) if p.record["month"] in months]
        total = sum((Decimal(str(p.record["amount"])) for p in paid), Decimal("0.00"))
        return decided, len(paid), rules.money(str(total))
