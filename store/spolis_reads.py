"""What the SPOLIS submissions and reports read from the case store: decisions, payments,
household members on a day, persons, and every version of their registry facts.

Reads take a municipality or chunks of internal ids and issue a bounded number of statements
(1,000 ids per ``IN`` list); the rules that turn them into records and figures live in
``flows/work/spolis_*.py``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from tilts.store.models import (
    BenefitPayment,
    Case,
    Decision,
    Household,
    HouseholdMember,
    Person,
    RegistryFact,
)
from tilts.store.reassess import ASSESSED_FACTS

_IN = 1000


def _chunks(ids: Sequence[Any]) -> list[list[Any]]:
    unique = sorted(set(ids))
    return [unique[i : i + _IN] for i in range(0, len(unique), _IN)]


def aware(moment: datetime) -> datetime:
    """A stored instant as timezone-aware UTC (SQLite hands them back naive)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# --- decisions and payments -------------------------------------------------------------------


def decisions(
    session: Session,
    municipality_id: int,
    kinds: Sequence[str] | None = None,
    decided: tuple[date, date] | None = None,
    outcome: str | None = None,
) -> list[Decision]:
    """The municipality's decisions (of ``kinds``, dated within ``decided``), in id order."""
    stmt = select(Decision).where(Decision.municipality_id == municipality_id)
    if kinds is not None:
        stmt = stmt.where(Decision.kind.in_(list(kinds)))
    if decided is not None:
        stmt = stmt.where(Decision.decision_date.between(*decided))
    if outcome is not None:
        stmt = stmt.where(Decision.outcome == outcome)
    return list(session.scalars(stmt.order_by(Decision.id)))


def decisions_by_id(session: Session, ids: Sequence[int]) -> dict[int, Decision]:
    """Decisions by id."""
    out: dict[int, Decision] = {}
    for part in _chunks(ids):
        out.update(
            {d.id: d for d in session.scalars(select(Decision).where(Decision.id.in_(part)))}
        )
    return out


@dataclass(frozen=True)
class PaymentRow:
    """A payment with what the reports need of its decision."""

    id: int
    record_id: str
    decision_id: int
    month: str
    amount: Decimal
    form: str


def payments(
    session: Session, municipality_id: int, months: Sequence[str] | None = None
) -> list[PaymentRow]:
    """The municipality's payments (of ``months``), in id order."""
    p = BenefitPayment
    stmt = select(p.id, p.record_id, p.decision_id, p.month, p.amount, p.form).where(
        p.municipality_id == municipality_id
    )
    if months is not None:
        stmt = stmt.where(p.month.in_(list(months)))
    return [
        PaymentRow(pid, rid, did, month, Decimal(amount), form)
        for pid, rid, did, month, amount, form in session.execute(stmt.order_by(p.id)).tuples()
    ]


# --- households, members, persons --------------------------------------------------------------


@dataclass(frozen=True)
class Membership:
    """One member of a household with the days of membership (``None``: open end)."""

    person_id: int
    member_from: date | None
    member_to: date | None

    def on(self, day: date) -> bool:
        """True when the person is a member on ``day``."""
        return (self.member_from is None or self.member_from <= day) and (
            self.member_to is None or day <= self.member_to
        )


def memberships(session: Session, household_ids: Sequence[int]) -> dict[int, list[Membership]]:
    """Every membership of each household, by person id."""
    hm = HouseholdMember
    out: dict[int, list[Membership]] = defaultdict(list)
    for part in _chunks(household_ids):
        rows = session.execute(
            select(hm.household_id, hm.person_id, hm.member_from, hm.member_to)
            .where(hm.household_id.in_(part))
            .order_by(hm.household_id, hm.person_id)
        ).tuples()
        for hid, pid, start, end in rows:
            out[hid].append(Membership(pid, start, end))
    return out


def external_ids(session: Session, household_ids: Sequence[int]) -> dict[int, str]:
    """The municipality's own id of each household."""
    out: dict[int, str] = {}
    for part in _chunks(household_ids):
        out.update(
            session.execute(
                select(Household.id, Household.external_id).where(Household.id.in_(part))
            )
            .tuples()
            .all()
        )
    return out


@dataclass(frozen=True)
class PersonRow:
    """A person's current code and the birth date and sex snapshots."""

    code: str
    birth_date: date | None
    sex: str | None = None


def persons(session: Session, person_ids: Sequence[int]) -> dict[int, PersonRow]:
    """Current code, birth date and sex of each person."""
    out: dict[int, PersonRow] = {}
    cols = (Person.id, Person.person_code, Person.birth_date, Person.sex)
    for part in _chunks(person_ids):
        rows = session.execute(select(*cols).where(Person.id.in_(part))).tuples()
        out.update({pid: PersonRow(code, born, sex) for pid, code, born, sex in rows})
    return out


def ukrainian_households(session: Session, household_ids: Sequence[int]) -> set[int]:
    """The households with a case carrying the Ukrainian-civilian marker (spolis.md §4)."""
    out: set[int] = set()
    for part in _chunks(household_ids):
        stmt = select(Case.household_id).where(
            Case.household_id.in_(part), Case.ukrainian_civilian.is_(True)
        )
        out.update(session.scalars(stmt.distinct()))
    return out


# --- registry facts with their history ---------------------------------------------------------


@dataclass(frozen=True)
class FactVersion:
    """One stored version of a registry fact: when it was fetched and when superseded."""

    source: str
    kind: str
    key: str
    payload: dict[str, Any]
    valid_from: date | None
    valid_to: date | None
    period: str | None
    fetched_at: datetime
    superseded_at: datetime | None


def fact_versions(
    session: Session, person_ids: Sequence[int], periods: Sequence[str] | None = None
) -> dict[int, list[FactVersion]]:
    """Every version (current and superseded) of the facts the assessment reads.

    Args:
        periods: monthly facts of these months only (``None``: every month).
    """
    f = RegistryFact
    out: dict[int, list[FactVersion]] = defaultdict(list)
    cols = (f.person_id, f.source, f.kind, f.fact_key, f.payload, f.valid_from, f.valid_to,
            f.period, f.fetched_at, f.superseded_at)  # fmt: skip
    cond: list[ColumnElement[bool]] = [tuple_(f.source, f.kind).in_(ASSESSED_FACTS)]
    if periods is not None:
        cond.append(or_(f.period.is_(None), f.period.in_(list(periods))))
    for part in _chunks(person_ids):
        rows = session.execute(select(*cols).where(f.person_id.in_(part), *cond)).tuples()
        for pid, source, kind, key, payload, start, end, period, fetched, superseded in rows:
            out[pid].append(
                FactVersion(
                    source, kind, key, payload, start, end, period, aware(fetched),
                    None if superseded is None else aware(superseded),
                )
            )  # fmt: skip
    return out
