"""Writing the notification outbox (outbound.md), in the caller's transaction.

:func:`enqueue_for_decisions` runs inside :func:`store.decisions.record_decisions`, so a status
decision and the notifications it causes commit or roll back together.
:func:`enqueue_expiries` does the same for statuses whose validity has ended (the daily
``expire_statuses`` flow). Delivery is :mod:`store.outbox_delivery`'s.

Events of a recorded status decision (``STATUS_POOR`` → ``POOR``, ``STATUS_LOW_INCOME`` →
``LOW_INCOME``):

* outcome ``GRANTED`` → ``EXTENDED`` when the household held the same status, granted and not
  revoked, on the day before ``validFrom``; else ``GRANTED``;
* outcome ``REVOKED`` → ``REVOKED``: ``decisionDate`` is the revocation's, ``validFrom`` the day
  it takes effect, ``validTo`` the revocation's own or else the revoked status's end;
* a refusal tells nobody anything.

Each decision version is handled once (``notification_trigger``): recording the same content
again writes nothing, and a correction (a new version) is announced again only to recipients
for whom the body would differ from the last one they were sent for that decision.

``sequence`` comes from one counter per (municipality, recipient), taken in (municipality,
recipient) order so that concurrent writers never deadlock; within a batch numbers follow the
date each piece of news takes effect. Counter rows stay locked until the caller commits, so
sequence order is also commit order.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, insert, select, tuple_, update
from sqlalchemy.orm import Session

from tilts.kernel.config import MunicipalitySettings
from tilts.store.bulk import upsert
from tilts.store.models import (
    STATUS_KINDS,
    Decision,
    Household,
    HouseholdMember,
    Municipality,
    Person,
)
from tilts.store.models_outbox import Notification, NotificationSequence, NotificationTrigger
from tilts.store.outbox_rules import Member, content_for, rules_for, wanted

_IN = 500
# decisions were just written with Core statements: never trust objects the session holds
FRESH = {"populate_existing": True}
STATUS_OF = {"STATUS_POOR": "POOR", "STATUS_LOW_INCOME": "LOW_INCOME"}


@dataclass(frozen=True)
class _News:
    """One piece of news about one decision version, before it is split by recipient."""

    decision: Decision
    event: str
    status: str
    decision_date: date
    valid_from: date
    valid_to: date
    effective: date  # orders news within a batch


def _parts(ids: Iterable[Any]) -> list[list[Any]]:
    unique = sorted(set(ids))
    return [unique[i : i + _IN] for i in range(0, len(unique), _IN)]


def _status_history(session: Session, household_ids: Iterable[int]) -> list[Decision]:
    """Every granted or revoking status decision of the households."""
    out: list[Decision] = []
    for part in _parts(household_ids):
        out += session.scalars(
            select(Decision).where(
                Decision.household_id.in_(part),
                Decision.kind.in_(STATUS_KINDS),
                Decision.outcome.in_(("GRANTED", "REVOKED")),
            ),
            execution_options=FRESH,
        )
    return out


class _History:
    """A household's status decisions, to tell an extension from a grant and find expiries."""

    def __init__(self, decisions: Sequence[Decision]) -> None:
        self.by_id = {d.id: d for d in decisions}
        self.granted: dict[tuple[int, str], list[Decision]] = defaultdict(list)
        self.revoked_from: dict[int, date] = {}
        for d in decisions:
            if d.outcome == "GRANTED":
                self.granted[(d.household_id, d.kind)].append(d)
            elif d.revokes_decision_id is not None and d.valid_from is not None:
                old = self.revoked_from.get(d.revokes_decision_id)
                if old is None or d.valid_from < old:
                    self.revoked_from[d.revokes_decision_id] = d.valid_from

    def held(self, household_id: int, kind: str, day: date, but: int) -> bool:
        """Whether another decision grants ``kind`` on ``day`` and is not revoked by then."""
        for d in self.granted.get((household_id, kind), []):
            if d.id == but or d.valid_from is None or d.valid_to is None:
                continue
            revoked = self.revoked_from.get(d.id)
            if d.valid_from <= day <= d.valid_to and (revoked is None or revoked > day):
                return True
        return False


def _news_of(d: Decision, history: _History) -> _News | None:
    status = STATUS_OF.get(d.kind)
    if status is None or d.valid_from is None:
        return None
    if d.outcome == "GRANTED" and d.valid_to is not None:
        before = d.valid_from - timedelta(days=1)
        extended = history.held(d.household_id, d.kind, before, but=d.id)
        event = "EXTENDED" if extended else "GRANTED"
        return _News(d, event, status, d.decision_date, d.valid_from, d.valid_to, d.valid_from)
    if d.outcome == "REVOKED" and d.revokes_decision_id is not None:
        revoked = history.by_id.get(d.revokes_decision_id)
        end = d.valid_to or (revoked.valid_to if revoked is not None else None) or d.valid_from
        end = max(end, d.valid_from)
        return _News(d, "REVOKED", status, d.decision_date, d.valid_from, end, d.valid_from)
    return None


def _members(session: Session, household_ids: Iterable[int]) -> dict[int, list[Member]]:
    out: dict[int, list[Member]] = defaultdict(list)
    hm, p = HouseholdMember, Person
    cols = (hm.household_id, p.id, p.person_code, hm.roles, p.birth_date, p.death_date,
            p.address_code, hm.member_from, hm.member_to)  # fmt: skip
    for part in _parts(household_ids):
        stmt = select(*cols).join(p, p.id == hm.person_id).where(hm.household_id.in_(part))
        for hid, pid, code, roles, born, died, address, since, until in session.execute(stmt):
            role_set = frozenset(r for r in re.split(r"[,\s]+", roles or "") if r)
            out[hid].append(Member(pid, code, role_set, born, died, address, since, until))
    return out


def _addresses(session: Session, household_ids: Iterable[int]) -> dict[int, str | None]:
    out: dict[int, str | None] = {}
    for part in _parts(household_ids):
        stmt = select(Household.id, Household.address_code).where(Household.id.in_(part))
        out.update(session.execute(stmt).tuples().all())
    return out


def _last_sent(session: Session, decision_ids: Iterable[int]) -> dict[tuple[int, str, str], Any]:
    """The body last sent per (decision, recipient, event), without id and sequence."""
    out: dict[tuple[int, str, str], Any] = {}
    n = Notification
    for part in _parts(decision_ids):
        stmt = (
            select(n.decision_id, n.recipient, n.event, n.payload)
            .where(n.decision_id.in_(part))
            .order_by(n.decision_version)
        )
        for did, recipient, event, payload in session.execute(stmt):
            out[(did, recipient, event)] = _content(payload)
    return out


def _content(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k not in ("notificationId", "sequence")}


def _take_sequences(
    session: Session, municipality_id: int, counts: dict[str, int]
) -> dict[str, int]:
    """Reserve ``counts[recipient]`` numbers per recipient; returns the first of each range."""
    t = cast(Table, NotificationSequence.__table__)
    upsert(
        session,
        t,
        [{"municipality_id": municipality_id, "recipient": r, "last_value": 0} for r in counts],
        ["municipality_id", "recipient"],
    )
    first: dict[str, int] = {}
    for recipient in sorted(counts):  # one lock order for every writer: no deadlocks
        key = and_(t.c.municipality_id == municipality_id, t.c.recipient == recipient)
        session.execute(update(t).where(key).values(last_value=t.c.last_value + counts[recipient]))
        last = session.execute(select(t.c.last_value).where(key)).scalar_one()
        first[recipient] = last - counts[recipient] + 1
    return first


def _write(
    session: Session,
    municipality_id: int,
    news: list[_News],
    settings: MunicipalitySettings | None,
    now: datetime,
) -> int:
    """Split ``news`` by recipient, minimise, number and insert; returns the rows written."""
    if not news:
        return 0
    atvk = session.scalar(select(Municipality.atvk).where(Municipality.id == municipality_id))
    assert atvk is not None, "the decisions' municipality is in the store"
    households = {n.decision.household_id for n in news}
    members = _members(session, households)
    addresses = _addresses(session, households)
    corrected = [n.decision.id for n in news if n.decision.version > 1]
    previous = _last_sent(session, corrected) if corrected else {}
    rules = rules_for(settings)
    rows: list[dict[str, Any]] = []
    ordered = sorted(news, key=lambda n: (n.effective, n.decision_date, n.decision.id))
    for item in ordered:
        d = item.decision
        for recipient in wanted(rules, item.status, item.event):
            part = content_for(
                recipient, members.get(d.household_id, []), item.decision_date,
                addresses.get(d.household_id), str(d.household_id),
            )  # fmt: skip
            if part is None:
                continue  # nobody this recipient may be told about
            body: dict[str, Any] = {
                "municipality": atvk,
                "event": item.event,
                "status": item.status,
                "decisionDate": item.decision_date.isoformat(),
                "validFrom": item.valid_from.isoformat(),
                "validTo": item.valid_to.isoformat(),
                **part,
            }
            if previous.get((d.id, recipient, item.event)) == body:
                continue  # a correction that changes nothing this recipient sees
            rows.append(
                {
                    "municipality_id": municipality_id,
                    "household_id": d.household_id,
                    "decision_id": d.id,
                    "decision_version": d.version,
                    "recipient": recipient,
                    "event": item.event,
                    "status": item.status,
                    "payload": body,
                    "state": "PENDING",
                    "attempts": 0,
                    "created_at": now,
                }
            )
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row["recipient"]] += 1
    if not rows:
        return 0
    next_value = _take_sequences(session, municipality_id, counts)
    for row in rows:
        nid = str(uuid.uuid4())
        row["notification_id"] = nid
        row["sequence"] = next_value[row["recipient"]]
        next_value[row["recipient"]] += 1
        row["payload"] = {"notificationId": nid, "sequence": row["sequence"], **row["payload"]}
    session.execute(insert(Notification), rows)
    return len(rows)


def _claim_triggers(
    session: Session, keys: Sequence[tuple[int, int]], kind: str, now: datetime
) -> set[tuple[int, int]]:
    """The (decision id, version) pairs not yet handled for ``kind``, now marked handled."""
    t = NotificationTrigger
    done: set[tuple[int, int]] = set()
    for part in _parts(keys):
        stmt = select(t.decision_id, t.decision_version).where(
            t.kind == kind, tuple_(t.decision_id, t.decision_version).in_(part)
        )
        done.update(session.execute(stmt).tuples().all())
    new = sorted(set(keys) - done)
    upsert(
        session,
        NotificationTrigger.__table__,
        [
            {"decision_id": i, "decision_version": v, "kind": kind, "processed_at": now}
            for i, v in new
        ],
        ["decision_id", "decision_version", "kind"],
    )
    return set(new)


def enqueue_for_decisions(
    session: Session,
    municipality_id: int,
    decisions: Sequence[tuple[int, int]],
    now: datetime,
    settings: MunicipalitySettings | None = None,
) -> int:
    """Write the notifications of recorded decisions, in the caller's transaction.

    Args:
        decisions: (decision id, version) of every decision just recorded; only status
            decisions granted or revoked, in a version not handled before, cause anything.
        settings: the municipality's settings, for its recipient rules; ``None`` applies the
            default rules (:func:`store.outbox_rules.default_rules`).

    Returns:
        The number of notifications written.
    """
    found: list[Decision] = []
    for part in _parts(i for i, _ in decisions):
        found += session.scalars(
            select(Decision).where(
                Decision.id.in_(part),
                Decision.kind.in_(STATUS_KINDS),
                Decision.outcome.in_(("GRANTED", "REVOKED")),
            ),
            execution_options=FRESH,
        )
    keys = {(d.id, d.version) for d in found} & set(decisions)
    new = _claim_triggers(session, sorted(keys), "RECORDED", now)
    fresh = [d for d in found if (d.id, d.version) in new]
    if not fresh:
        return 0
    history = _History(_status_history(session, {d.household_id for d in fresh}))
    news = [n for d in fresh if (n := _news_of(d, history)) is not None]
    return _write(session, municipality_id, news, settings, now)


def enqueue_expiries(
    session: Session,
    municipality_id: int,
    day: date,
    settings: MunicipalitySettings | None = None,
    now: datetime | None = None,
) -> int:
    """``EXPIRED`` for every granted status whose ``validTo`` is before ``day`` — once each.

    A status revoked, or continued without a gap by another grant of the same status, does
    not expire: its recipients were (or will be) told ``REVOKED`` or ``EXTENDED`` instead.

    Returns:
        The number of notifications written.
    """
    stamp = now or datetime.now(UTC)
    t = NotificationTrigger
    handled = (
        select(t.decision_id)
        .where(t.decision_id == Decision.id, t.decision_version == Decision.version)
        .where(t.kind == "EXPIRED")
        .exists()
    )
    due = list(
        session.scalars(
            select(Decision).where(
                Decision.municipality_id == municipality_id,
                Decision.outcome == "GRANTED",
                Decision.kind.in_(STATUS_KINDS),
                Decision.valid_to < day,
                ~handled,
            ),
            execution_options=FRESH,
        )
    )
    if not due:
        return 0
    _claim_triggers(session, [(d.id, d.version) for d in due], "EXPIRED", stamp)
    history = _History(_status_history(session, {d.household_id for d in due}))
    news: list[_News] = []
    for d in due:
        assert d.valid_from is not None and d.valid_to is not None
        after = d.valid_to + timedelta(days=1)
        if d.id in history.revoked_from or history.held(d.household_id, d.kind, after, d.id):
            continue
        status = STATUS_OF[d.kind]
        news.append(_News(d, "EXPIRED", status, d.decision_date, d.valid_from, d.valid_to, after))
    return _write(session, municipality_id, news, settings, stamp)
