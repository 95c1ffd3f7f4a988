"""Decision and payment records for SPOLIS (spolis.md §1, §2): build, plan, batch, send.

**Record ids.** SPOLIS holds one record per person: a household decision becomes one record
per member on the decision date, ``recordId = "<decision record id>:<internal person id>"``
(a personal code never appears in a record id). A payment is one record, ``recordId`` = the
payment's record id, and names the decision by its *principal* record — the member with the
lowest internal id on the decision date. A payment waits until that record is accepted.

**Versions.** A decision record goes under the decision's store version (a correction is a
higher version); when its content changes while the store version does not (a person's new
code, say), or SPOLIS refused a version as stale or conflicting, it goes one above the last
version sent (:func:`store.spolis.plan_version`). Payments have no store version: each
content change is the next version.

**Batches.** ≤ 500 decision records, ≤ 1,000 payments (the configured batch sizes). Each is
stored with a fresh ``Idempotency-Key`` and its exact body before it is sent; a batch left
unanswered by a crash is sent again, unchanged, by the next run before anything new.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tilts.connectors.spolis import FAMILIES
from tilts.flows.runtime import Runtime
from tilts.flows.work.reassess import rules_for
from tilts.flows.work.spolis_categories import CategoryBook
from tilts.flows.work.spolis_gateway import spolis_client, spolis_gateway
from tilts.kernel.crashpoints import crash_point
from tilts.kernel.errors import FatalError, InputError, TiltsError, UnreachableError
from tilts.kernel.personal_code import mask
from tilts.store import spolis as ledger
from tilts.store import spolis_reads as reads
from tilts.store.db import transaction
from tilts.store.models import Decision
from tilts.store.ops import now
from tilts.store.spolis import Outgoing


@dataclass
class Candidate:
    """A record as it stands in the store now, before a version is planned."""

    record_id: str
    source_id: int
    person_id: int | None
    store_version: int
    record: dict[str, Any]  # wire record without "version"

    @property
    def content_hash(self) -> str:
        return ledger.content_hash(self.record)


@dataclass
class Built:
    """Candidates, records that cannot be built (ref, record, reason), and those that wait."""

    candidates: list[Candidate] = field(default_factory=list)
    problems: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)
    waiting: int = 0
    persons: int = 0


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def principal(members: list[reads.Membership], day: date) -> int | None:
    """The person whose record a payment names: the lowest internal id on the decision date."""
    return min((m.person_id for m in members if m.on(day)), default=None)


def decision_records(rt: Runtime, atvk: str) -> Built:
    """One candidate per decision and member on its decision date, category as of that date."""
    mid = rt.municipality_id(atvk)
    out = Built()
    with rt.factory() as s:
        decided = reads.decisions(s, mid)
        hids = [d.household_id for d in decided]
        members = reads.memberships(s, hids)
        households = reads.external_ids(s, hids)
        pids = sorted({m.person_id for ms in members.values() for m in ms})
        people = reads.persons(s, pids)
        # monthly facts of the decision months only: the category reads the reference month
        months = sorted({f"{d.decision_date:%Y-%m}" for d in decided})
        versions = reads.fact_versions(s, pids, months)
    book = CategoryBook(
        versions, {p: r.birth_date for p, r in people.items()}, atvk, rules_for(rt.settings)
    )
    seen: set[int] = set()
    for d in decided:
        on_day = [m.person_id for m in members.get(d.household_id, []) if m.on(d.decision_date)]
        if not on_day:
            out.problems.append(
                (
                    d.record_id,
                    {"recordId": d.record_id},
                    "household: no member on the decision date",
                )
            )
            continue
        for pid in on_day:
            rid = f"{d.record_id}:{pid}"
            try:
                category, _ = book.on(pid, d.decision_date)
            except InputError as exc:  # a birth date unknown to the store, say
                out.problems.append((rid, {"recordId": rid}, f"personCategory: {exc}"))
                continue
            seen.add(pid)
            out.candidates.append(
                Candidate(rid, d.id, pid, d.version, _decision_record(
                    d, rid, people[pid].code, households[d.household_id], len(on_day), category
                ))
            )  # fmt: skip
    out.persons = len(seen)
    return out


def _decision_record(
    d: Decision, rid: str, code: str, household: str, size: int, category: str
) -> dict[str, Any]:
    return {
        "recordId": rid, "personCode": code, "householdId": household, "householdSize": size,
        "requestDate": d.request_date.isoformat(), "decisionDate": d.decision_date.isoformat(),
        "kind": d.kind, "outcome": d.outcome, "refusalReason": d.refusal_reason,
        "validFrom": _iso(d.valid_from), "validTo": _iso(d.valid_to),
        "monthlyAmount": None if d.monthly_amount is None else f"{d.monthly_amount:.2f}",
        "personCategory": str(category),
    }  # fmt: skip


def payment_records(rt: Runtime, atvk: str) -> Built:
    """One candidate per payment whose decision's principal record SPOLIS has accepted."""
    mid = rt.municipality_id(atvk)
    out = Built()
    with rt.factory() as s:
        paid = reads.payments(s, mid)
        decided = reads.decisions_by_id(s, [p.decision_id for p in paid])
        members = reads.memberships(s, [d.household_id for d in decided.values()])
        names: dict[int, str | None] = {}
        for did, d in decided.items():
            pid = principal(members.get(d.household_id, []), d.decision_date)
            names[did] = None if pid is None else f"{d.record_id}:{pid}"
        accepted = ledger.accepted_ids(s, mid, "DECISION", [n for n in names.values() if n])
    for p in paid:
        name = names.get(p.decision_id)
        if name is None or name not in accepted:
            out.waiting += 1
            continue
        record = {"recordId": p.record_id, "decisionRecordId": name, "month": p.month,
                  "amount": f"{p.amount:.2f}", "form": p.form}  # fmt: skip
        out.candidates.append(Candidate(p.record_id, p.id, None, 1, record))
    return out


def plan(rt: Runtime, atvk: str, kind: str, built: Built) -> list[Outgoing]:
    """The candidates to send now, each with its version (see the module docstring)."""
    mid = rt.municipality_id(atvk)
    with rt.factory() as s:
        past = ledger.history(s, mid, kind, [c.record_id for c in built.candidates])
    out: list[Outgoing] = []
    for c in built.candidates:
        chash = c.content_hash
        version = ledger.plan_version(c.store_version, chash, past.get(c.record_id, []))
        if version is not None:
            record = {**c.record, "version": version}
            out.append(Outgoing(c.record_id, c.source_id, c.person_id, version, chash, record))
    return out


def build(rt: Runtime, atvk: str, kind: str) -> Built:
    """Decision (``DECISION``) or payment (``PAYMENT``) candidates of a municipality."""
    return decision_records(rt, atvk) if kind == "DECISION" else payment_records(rt, atvk)


def chunks(items: list[Outgoing], size: int) -> Iterator[list[Outgoing]]:
    """Consecutive batches of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def prepare(rt: Runtime, atvk: str, kind: str, outgoing: list[Outgoing]) -> list[int]:
    """Store the batches (key, body, SENT rows), each in its own commit; returns their ids."""
    mid = rt.municipality_id(atvk)
    size = spolis_gateway(rt, atvk).batch_size(FAMILIES[kind])
    ids: list[int] = []
    for items in chunks(outgoing, size):
        with transaction(rt.factory) as s:
            ids.append(ledger.prepare_batch(s, mid, atvk, kind, items, now(), rt.key))
        crash_point("spolis.prepared")  # key and body committed, nothing sent
    return ids


LEASE = timedelta(minutes=30)


def claim(rt: Runtime, atvk: str, kind: str) -> bool:
    """Take the municipality's submission lease for ``kind`` (one run sends at a time)."""
    at = now()
    with transaction(rt.factory) as s:
        return ledger.claim(s, rt.municipality_id(atvk), kind, rt.key, at + LEASE, at)


def release(rt: Runtime, atvk: str, kind: str) -> None:
    """Give the lease back."""
    with transaction(rt.factory) as s:
        ledger.release(s, rt.municipality_id(atvk), kind, rt.key)


def open_batches(rt: Runtime, atvk: str, kind: str) -> list[int]:
    """Batches an earlier run stored but never saw answered."""
    with rt.factory() as s:
        return ledger.open_batches(s, rt.municipality_id(atvk), kind)


def quarantine_problems(
    rt: Runtime, kind: str, problems: list[tuple[str, dict[str, Any], str]]
) -> int:
    """Quarantine the records that could not be built (once per record and reason)."""
    if not problems:
        return 0
    with transaction(rt.factory) as s:
        return ledger.quarantine_once(s, "spolis", kind.lower(), problems, rt.key, now())


@dataclass(frozen=True)
class Sent:
    """What one batch came to: accepted, rejected, newly quarantined, or a batch failure."""

    accepted: int = 0
    rejected: int = 0
    quarantined: int = 0
    failure: str | None = None
    unanswered: bool = False


def send(rt: Runtime, atvk: str, batch_id: int) -> Sent:
    """Send a stored batch under its key and record the answer (one commit).

    A refusal of the whole batch (4xx: nothing processed) fails it and its records go again
    next run; an unknown outcome (unreachable, an answer that breaks the contract) leaves it
    stored for the next run to send again, unchanged.
    """
    client = spolis_client(rt, atvk)
    with rt.factory() as s:
        stored = ledger.batch(s, batch_id)
        kind, key, body = stored.kind, stored.idempotency_key, stored.body
    with transaction(rt.factory) as s:
        ledger.mark_sent(s, batch_id, now())
    try:
        answer = client.submit_batch(kind, body, key)
    except TiltsError as exc:
        what = f"{kind.lower()} batch {batch_id}: {type(exc).__name__}: {exc}"
        refused = (
            isinstance(exc, FatalError)
            and not isinstance(exc, UnreachableError)
            and "HTTP 4" in str(exc)
        )
        if not refused:  # unreachable to the end, a 5xx, a contract breach: outcome unknown
            return Sent(failure=what, unanswered=True)
        rt.audit.flush()  # the calls' audit rows before what they answered is committed
        with transaction(rt.factory) as s:
            n = ledger.fail_batch(s, batch_id, str(exc), now())
        return Sent(rejected=n, failure=what)
    rt.audit.flush()  # the calls' audit rows before what they answered is committed
    crash_point("spolis.sent")  # SPOLIS answered, the answer not stored
    records = {str(r["recordId"]): r for r in body["records"]}
    with transaction(rt.factory) as s:
        accepted, rejections = ledger.apply_answer(s, batch_id, answer, now())
        items = [
            (r.record_id, _masked(records[r.record_id]), r.reason)
            for r in rejections
            if not r.repeated
        ]
        quarantined = ledger.quarantine_once(s, "spolis", kind.lower(), items, rt.key, now())
        ledger.settle_quarantine(s, "spolis", kind.lower(), accepted, now())
    crash_point("spolis.answered")  # answer committed, the lease not released
    return Sent(len(accepted), len(rejections), quarantined)


def _masked(record: dict[str, Any]) -> dict[str, Any]:
    """A record as kept in quarantine and dry-run files: the personal code masked."""
    if "personCode" not in record:
        return dict(record)
    return {**record, "personCode": mask(str(record["personCode"]))}


def dry_run_body(atvk: str, kind: str, outgoing: list[Outgoing], size: int) -> dict[str, Any]:
    """What would be sent, batch by batch, with personal codes masked."""
    return {
        "municipality": atvk,
        "kind": kind,
        "batches": [
            {"records": [_masked(o.record) for o in items]} for items in chunks(outgoing, size)
        ],
    }
