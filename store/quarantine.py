"""Working through quarantined records: retry (fetch again on the next run) or discard."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.models import Person, Quarantine
from store.ops import now
from store.persons import resolve_codes


@dataclass(frozen=True)
class QuarantineFilter:
    """Which open records an operator means: by id, run, service or reason (substring)."""

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
        stmt = stmt.where(Quarantine.reason.contains(f.reason))
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
