"""Delivering the outbox: claiming, marking, parking, operator actions and the backlog.

Claiming hands a deliverer the *head* of a household's stream for a recipient: a PENDING row,
due, not under a live lease, with no earlier PENDING or PARKED row of the same household and
recipient. At most one row per stream is ever claimable, so two deliverers can never send a
household's news out of order. One statement claims a batch::

    UPDATE notification SET claimed_by = :token, claimed_until = :lease
     WHERE id IN (SELECT id FROM notification AS cand WHERE <head, due, free>
                  ORDER BY id LIMIT :n FOR UPDATE OF cand SKIP LOCKED)
       AND state = 'PENDING' AND (claimed_until IS NULL OR claimed_until < :now)

On PostgreSQL ``FOR UPDATE … SKIP LOCKED`` lets concurrent deliverers pass over each other's
rows instead of queueing, and a row claimed meanwhile fails the re-checked lease condition. On
SQLite the clause is not rendered; the statement is atomic there because SQLite takes the
database's write lock for the whole statement (other writers wait on the busy timeout). The
rows claimed are read back by the claim's unique ``token``.

When a head is delivered, :func:`mark_delivered` claims the next row of its stream in the
same transaction (the head is still PENDING until that commit, so nobody else could have), and
the deliverer carries on down the stream. A lease that runs out (a deliverer killed) makes the
row claimable again; re-sending it is safe because the body and ``Idempotency-Key`` are stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Table, and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from tilts.kernel.errors import InputError
from tilts.store.models import Household, Municipality
from tilts.store.models_outbox import Notification

OPEN = ("PENDING", "PARKED")
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
_T = cast(Table, Notification.__table__)


@dataclass(frozen=True)
class Claimed:
    """A notification a deliverer holds under ``token`` until ``claimed_until``."""

    id: int
    token: str
    household_id: int
    recipient: str
    sequence: int
    attempts: int
    payload: dict[str, Any]


def backoff(attempts: int) -> timedelta:
    """Wait after ``attempts`` failed delivery runs: 1, 2, 4 … minutes, at most an hour."""
    return min(BACKOFF_MAX, BACKOFF_FIRST * (1 << min(max(0, attempts - 1), 16)))


def _rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def claim(
    session: Session,
    municipality_id: int,
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    stream: tuple[int, str] | None = None,
) -> list[Claimed]:
    """Claim up to ``limit`` stream heads (or the head of one ``stream``: household, recipient).

    Commit right after: the claim is what other deliverers see.
    """
    token = f"{worker}/{uuid.uuid4().hex[:12]}"[:100]
    cand = _T.alias("cand")
    earlier = _T.alias("earlier")
    blocked = (
        select(earlier.c.id)
        .where(
            earlier.c.household_id == cand.c.household_id,
            earlier.c.recipient == cand.c.recipient,
            earlier.c.sequence < cand.c.sequence,
            earlier.c.state.in_(OPEN),
        )
        .exists()
    )
    heads = (
        select(cand.c.id)
        .where(
            cand.c.municipality_id == municipality_id,
            cand.c.state == "PENDING",
            or_(cand.c.next_attempt_at.is_(None), cand.c.next_attempt_at <= now),
            or_(cand.c.claimed_until.is_(None), cand.c.claimed_until < now),
            ~blocked,
        )
        .order_by(cand.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=cand)
    )
    if stream is not None:
        heads = heads.where(cand.c.household_id == stream[0], cand.c.recipient == stream[1])
    taken = session.execute(
        update(_T)
        .where(
            _T.c.id.in_(heads),
            _T.c.state == "PENDING",
            or_(_T.c.claimed_until.is_(None), _T.c.claimed_until < now),
        )
        .values(claimed_by=token, claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(taken) == 0:
        return []
    rows = session.execute(
        select(_T.c.id, _T.c.household_id, _T.c.recipient, _T.c.sequence, _T.c.attempts,
               _T.c.payload)
        .where(_T.c.claimed_by == token)
        .order_by(_T.c.id)
    )  # fmt: skip
    return [Claimed(i, token, h, r, s, a, p) for i, h, r, s, a, p in rows]


def _mine(c: Claimed) -> Any:
    return and_(_T.c.id == c.id, _T.c.claimed_by == c.token, _T.c.state == "PENDING")


def _set(session: Session, c: Claimed, **values: Any) -> bool:
    stmt = update(_T).where(_mine(c)).values(claimed_by=None, claimed_until=None, **values)
    return _rowcount(session.execute(stmt.execution_options(synchronize_session=False))) == 1


def mark_delivered(
    session: Session,
    c: Claimed,
    receipt: str | None,
    now: datetime,
    lease: timedelta,
    municipality_id: int,
    note: str | None = None,
) -> Claimed | bool | None:
    """DELIVERED with the receipt; then claim the next row of the stream.

    Returns:
        ``False`` when the lease was lost (someone else holds the row now: nothing changed),
        else the next row of the stream, claimed, or ``None`` when there is none due.
    """
    if not _set(
        session, c, state="DELIVERED", receipt_id=receipt, delivered_at=now,
        attempts=_T.c.attempts + 1, last_error=note,
    ):  # fmt: skip
        return False
    token_worker = c.token.rsplit("/", 1)[0]
    following = claim(
        session, municipality_id, token_worker, now, lease, 1, (c.household_id, c.recipient)
    )
    return following[0] if following else None


def mark_retry(session: Session, c: Claimed, error: str, now: datetime) -> bool:
    """Still PENDING: count the attempt and wait :func:`backoff` before the next one."""
    return _set(
        session, c, attempts=_T.c.attempts + 1, next_attempt_at=now + backoff(c.attempts + 1),
        last_error=error[:300],
    )  # fmt: skip


def mark_parked(session: Session, c: Claimed, reason: str) -> bool:
    """PARKED with the reason: rejected for good; its stream waits behind it."""
    return _set(session, c, state="PARKED", attempts=_T.c.attempts + 1, last_error=reason[:300])


def release(session: Session, c: Claimed) -> bool:
    """Give a claimed row back untouched (not attempted)."""
    return _set(session, c)


# --- operator actions -------------------------------------------------------------------------


def _find(session: Session, ref: str) -> Notification:
    # a row id is a BIGINT of ASCII digits; anything else (a 5,000-digit or full-width number
    # too) is looked up as a notification id and is then simply not found
    by_id = ref.isascii() and ref.isdigit() and len(ref) <= 18
    col = Notification.id if by_id else Notification.notification_id
    value: Any = int(ref) if by_id else ref
    row = session.scalar(select(Notification).where(col == value)) if len(ref) <= 36 else None
    if row is None:
        shown = ref if len(ref) <= 36 else f"{ref[:36]}…"
        raise InputError(f"notification {shown}: no such notification")
    if row.state != "PARKED":
        raise InputError(f"notification {ref}: is {row.state}, only a PARKED one can be resolved")
    return row


def retry_parked(session: Session, ref: str) -> int:
    """Put a PARKED notification (internal id or notification id) back in line; returns its id.

    Raises:
        InputError: no such notification, or it is not PARKED.
    """
    row = _find(session, ref)
    row.state, row.next_attempt_at = "PENDING", None
    row.claimed_by = row.claimed_until = None
    return row.id


def discard(session: Session, ref: str) -> int:
    """Give up on a PARKED notification: it is never sent and stops holding its stream back.

    Raises:
        InputError: no such notification, or it is not PARKED.
    """
    row = _find(session, ref)
    row.state = "DISCARDED"
    return row.id


# --- what ``tilts status`` shows --------------------------------------------------------------


def backlog(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Open notifications per municipality, recipient and state (no personal data)."""
    n = Notification
    waiting = func.sum(case((n.next_attempt_at > now, 1), else_=0))
    stmt = (
        select(Municipality.atvk, n.recipient, n.state, func.count(), func.min(n.created_at),
               waiting)
        .join(Municipality, Municipality.id == n.municipality_id)
        .where(n.state.in_(OPEN))
        .group_by(Municipality.atvk, n.recipient, n.state)
        .order_by(Municipality.atvk, n.recipient, n.state)
    )  # fmt: skip
    return [
        {"municipality": atvk, "recipient": r, "state": state, "count": count,
         "oldest": oldest, "waiting_retry": int(wait or 0)}
        for atvk, r, state, count, oldest, wait in session.execute(stmt)
    ]  # fmt: skip


def parked(session: Session, limit: int = 20) -> list[dict[str, Any]]:
    """Parked notifications with their reasons, oldest first (household by external id)."""
    n = Notification
    stmt = (
        select(n.id, Municipality.atvk, n.recipient, n.event, n.status, Household.external_id,
               n.sequence, n.attempts, n.last_error, n.created_at)
        .join(Municipality, Municipality.id == n.municipality_id)
        .join(Household, Household.id == n.household_id)
        .where(n.state == "PARKED")
        .order_by(n.id)
        .limit(limit)
    )  # fmt: skip
    keys = ("id", "municipality", "recipient", "event", "status", "household", "sequence",
            "attempts", "reason", "created_at")  # fmt: skip
    return [dict(zip(keys, row, strict=True)) for row in session.execute(stmt)]
