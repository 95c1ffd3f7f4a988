"""Report versions, co-financing and cross-check flags (spolis.md §3–§6).

A report version is stored ``PREPARED`` (payload and version fixed) and committed before it is
sent; the receipt is written after. The next version is one above every version stored for the
period (accepted or rejected: SPOLIS keeps them all). A build that failed the local checks is
kept as ``INVALID`` without a version — it was never sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from tilts.store.bulk import upsert
from tilts.store.models import Household, Municipality
from tilts.store.models_spolis import SpolisCofinancing, SpolisCrossCheckFlag, SpolisReport


def reports(
    session: Session, municipality_id: int, kind: str, period: str, status: str | None = None
) -> list[SpolisReport]:
    """Report rows of a period (of one status), oldest first."""
    r = SpolisReport
    stmt = select(r).where(r.municipality_id == municipality_id, r.kind == kind, r.period == period)
    if status is not None:
        stmt = stmt.where(r.status == status)
    return list(session.scalars(stmt.order_by(r.id)))


def last_accepted(
    session: Session, municipality_id: int, kind: str, period: str
) -> SpolisReport | None:
    """The highest accepted version of a period's report."""
    rows = reports(session, municipality_id, kind, period, "ACCEPTED")
    return max(rows, key=lambda r: r.version or 0, default=None)


def next_version(session: Session, municipality_id: int, kind: str, period: str) -> int:
    """One above every version stored for the period (1 for the first)."""
    r = SpolisReport
    top = session.scalar(
        select(func.max(r.version)).where(
            r.municipality_id == municipality_id, r.kind == kind, r.period == period
        )
    )
    return int(top or 0) + 1


def add_report(
    session: Session,
    municipality_id: int,
    kind: str,
    period: str,
    version: int | None,
    payload: dict[str, Any],
    chash: str,
    validation: list[str],
    at: datetime,
    run_id: str | None,
) -> int:
    """Store a report version (``PREPARED``) or, without a version, a build that failed the
    local checks (``INVALID``); returns its id."""
    rid = session.scalar(
        insert(SpolisReport)
        .values(
            municipality_id=municipality_id, kind=kind, period=period, version=version,
            payload=payload, content_hash=chash, validation=validation,
            status="PREPARED" if version is not None else "INVALID", prepared_at=at,
            run_id=run_id,
        )
        .returning(SpolisReport.id)
    )  # fmt: skip
    assert rid is not None
    return int(rid)


def set_receipt(session: Session, report_id: int, receipt: dict[str, Any], at: datetime) -> None:
    """Record SPOLIS's receipt of a report version."""
    session.execute(
        update(SpolisReport)
        .where(SpolisReport.id == report_id)
        .values(
            status=str(receipt["status"]), receipt_id=str(receipt["receiptId"]), receipt=receipt,
            late=bool(receipt.get("late")), answered_at=at,
        )
    )  # fmt: skip


def store_cofinancing(
    session: Session, municipality_id: int, answer: dict[str, Any], at: datetime
) -> None:
    """Keep the month's co-financing beside the month's accepted report (one row a month)."""
    month = str(answer["month"])
    report = last_accepted(session, municipality_id, "MONTHLY", month)

    def money(value: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value))

    row = {
        "municipality_id": municipality_id, "month": month,
        "report_id": None if report is None else report.id,
        "gmi_eur_reported": money(answer.get("gmiEurReported")),
        "state_share_percent": Decimal(str(answer["stateSharePercent"])),
        "state_amount": money(answer.get("stateAmount")),
        "status": str(answer["status"]), "fetched_at": at,
    }  # fmt: skip
    keys = ["municipality_id", "month"]
    upsert(session, SpolisCofinancing.__table__, [row], keys, [c for c in row if c not in keys])


# --- cross-check flags -------------------------------------------------------------------------


@dataclass(frozen=True)
class Overlap:
    """A person of ours whom another municipality grants the same benefit in the month."""

    household_id: int
    person_id: int
    month: str
    other_atvk: str
    kind: str
    other_valid_from: str | None
    other_valid_to: str | None


def open_crosscheck_flags(
    session: Session,
    municipality_id: int,
    overlaps: Sequence[Overlap],
    at: datetime,
    run_id: str | None,
) -> int:
    """Flag overlaps for review; one already flagged (open or resolved) stays as it is.

    Returns:
        The number of flags opened by this call.
    """
    if not overlaps:
        return 0
    t = SpolisCrossCheckFlag
    keys = ["household_id", "person_id", "month", "other_atvk", "kind"]
    before = session.scalar(select(func.count()).select_from(t))
    rows = [
        {"municipality_id": municipality_id, "household_id": o.household_id,
         "person_id": o.person_id, "month": o.month, "other_atvk": o.other_atvk, "kind": o.kind,
         "other_valid_from": o.other_valid_from, "other_valid_to": o.other_valid_to,
         "status": "OPEN", "flagged_at": at, "run_id": run_id}
        for o in overlaps
    ]  # fmt: skip
    upsert(session, t.__table__, rows, keys)
    after = session.scalar(select(func.count()).select_from(t))
    return int(after or 0) - int(before or 0)


@dataclass(frozen=True)
class CrossCheckView:
    """An open cross-check flag as ``tilts status`` shows it: no personal code, no name."""

    municipality: str
    household: str
    month: str
    other_atvk: str
    kind: str
    flagged_at: datetime


def crosscheck_flags(
    session: Session, status: str = "OPEN", limit: int = 10
) -> list[CrossCheckView]:
    """Flags newest first, by the household's external id (never a personal code)."""
    t = SpolisCrossCheckFlag
    stmt = (
        select(
            Municipality.atvk, Household.external_id, t.month, t.other_atvk, t.kind, t.flagged_at
        )
        .join(Household, Household.id == t.household_id)
        .join(Municipality, Municipality.id == t.municipality_id)
        .where(t.status == status)
        .order_by(t.flagged_at.desc(), t.id.desc())
        .limit(limit)
    )
    return [CrossCheckView(*row) for row in session.execute(stmt).tuples()]


def crosscheck_counts(session: Session, status: str = "OPEN") -> dict[str, int]:
    """Number of cross-check flags per benefit kind."""
    t = SpolisCrossCheckFlag
    rows = session.execute(
        select(t.kind, func.count()).where(t.status == status).group_by(t.kind)
    ).tuples()
    return {kind: int(n) for kind, n in sorted(rows)}
