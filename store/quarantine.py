"""Working through quarantined records: retry (fetch again on the next run) or discard."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tilts.store.models import Case, Household, HouseholdMember, Person, Quarantine
from tilts.store.ops import now
from tilts.store.persons import resolve_codes


@dataclass(frozen=True)
class QuarantineFilter:
    """Which open records an operator means: by id, run, service or reason (the exact text
    ``tilts quarantine list`` shows; ``_`` and ``%`` are ordinary characters)."""

    ids: tuple[int, ...] = ()
    run: str | None = None
    service: str | None = None
    reason: str | None = None

    def is_empty(self) -> bool:
        """True when nothing narrows the selection (a mistake on the command line)."""
        return not (self.ids or self.run or self.service or self.reason)


def _open(session: Session, f: QuarantineFilter) -> list[Quarantine]:
    stmt = select(Quarantine).where(Quarantine.status == "OPEN")
    if f.ids:
        stmt = stmt.where(Quarantine.id.in_(f.ids))
    if f.run:
        stmt = stmt.where(Quarantine.run_id == f.run)
    if f.service:
        stmt = stmt.where(Quarantine.service == f.service)
    if f.reason:
        stmt = stmt.where(Quarantine.reason == f.reason)
    return list(session.scalars(stmt))


def retry(session: Session, f: QuarantineFilter) -> int:
    """Mark matching records RETRIED; their persons are fetched again by the next sync.

    A population record is re-fetched because its person is marked never-fetched (the
    incremental night fetches those); the per-person registries fetch every subject each night.
    """
    rows = _open(session, f)
    codes = [str(r.record.get("requestedCode")) for r in rows if r.record.get("requestedCode")]
    person_ids = list(set(resolve_codes(session, codes).values()))
    if person_ids:
        session.execute(
            update(Person).where(Person.id.in_(person_ids)).values(population_fetched_at=None)
        )
    return _resolve(session, rows, "RETRIED")


def discard(session: Session, f: QuarantineFilter) -> int:
    """Mark matching records DISCARDED (kept for the audit trail, no longer listed)."""
    return _resolve(session, _open(session, f), "DISCARDED")


def _resolve(session: Session, rows: list[Quarantine], status: str) -> int:
    at = now()
    for row in rows:
        row.status = status
        row.resolved_at = at
    return len(rows)


def resolve_fetched(session: Session, service: str, codes: Iterable[str]) -> int:
    """Records quarantined for a whole-response fault (a batch that did not parse, a fault
    for the whole call) whose persons this run fetched cleanly: the run resolves them
    (``RESOLVED``) instead of leaving them open for an operator."""
    fetched = set(codes)
    if not fetched:
        return 0
    rows = [
        r
        for r in session.scalars(
            select(Quarantine).where(Quarantine.status == "OPEN", Quarantine.service == service)
        )
        if str((r.record or {}).get("requestedCode")) in fetched
    ]
    return _resolve(session, rows, "RESOLVED")


def where_from(session: Session, records: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(case number, household id) of each quarantined record, never a personal code: a
    caseload row names them itself; a registry record through its person's household."""
    codes = [str(r.get("requestedCode")) for r in records if r.get("requestedCode")]
    by_code = resolve_codes(session, codes)
    homes: dict[int, tuple[str, str]] = {}
    if by_code:
        rows = session.execute(
            select(HouseholdMember.person_id, Household.external_id, Case.case_number)
            .join(Household, Household.id == HouseholdMember.household_id)
            .join(Case, Case.household_id == Household.id, isouter=True)
            .where(HouseholdMember.person_id.in_(list(set(by_code.values()))))
            .order_by(Case.status.desc(), Case.opened_on)  # an OPEN case first
        )
        for pid, ext, case in rows:
            homes.setdefault(pid, (case or "", ext))
    out = []
    for r in records:
        if r.get("caseNumber") or r.get("householdId"):
            out.append((str(r.get("caseNumber") or ""), str(r.get("householdId") or "")))
            continue
        pid = by_code.get(str(r.get("requestedCode")))
        out.append(homes.get(pid, ("", "")) if pid is not None else ("", ""))
    return out
