"""The night budget of a per-person registry, the database's half (docs/decisions.md "A nightly
that can afford it"; property.md §4: UR answers one person per call).

A registry with a budget asks at most ``N`` persons a night. Its due persons are ranked by a
*key*: when the registry last answered for them (never first: :data:`NEVER`), then the person
id. :func:`budget_cutoff` finds, once per night and lane, the key of the ``N``-th due person —
two numbers, which the night's window carries to every chunk task — and how many due persons
it leaves for later nights; :func:`within_budget` keeps the persons of a chunk whose key is at
most the cutoff. So the never-fetched come first, then the most overdue; a person asked
tonight is fetched today, which ranks after every due person, so nobody is asked twice before
all were asked once; and the persons not reached are still due tomorrow (nothing is lost).
:func:`fetch_progress` is ``tilts status``'s view of a first fetch.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from tilts.store.bulk import among
from tilts.store.fetches import due_clause
from tilts.store.models import Person, RegistryFetch
from tilts.store.persons import open_case_subjects_query

NEVER = date(1900, 1, 1)  # the key of a person the registry never answered for
NOBODY = ("1899-12-31", 0)  # a cutoff below every key: a budget of none
Cutoff = tuple[str, int]  # (ISO day, person id): the key of the last person asked tonight

_SKIPPED = ("INVALID_CODE", "NOT_FOUND")  # PMLP's answer: nobody asks about that code


def _key() -> ColumnElement[date]:
    return func.coalesce(RegistryFetch.fetched_on, NEVER)


def _joined(source: str) -> ColumnElement[bool]:
    return and_(RegistryFetch.person_id == Person.id, RegistryFetch.source == source)


def _answerable() -> ColumnElement[bool]:
    return or_(Person.lookup_result.is_(None), Person.lookup_result.not_in(_SKIPPED))


def budget_cutoff(
    session: Session,
    municipality_id: int,
    source: str,
    day: date,
    refresh_days: int,
    everyone: bool,
    budget: int,
) -> tuple[Cutoff | None, int]:
    """The cutoff of tonight's ``budget`` persons among the due answerable open-case subjects
    of a municipality (``everyone``: all of them are due), and how many due persons it defers;
    ``(None, 0)`` when the budget covers them all."""
    subjects = open_case_subjects_query(municipality_id).distinct().subquery()
    stmt = (
        select(Person.id, _key().label("key"))
        .join(subjects, subjects.c.person_id == Person.id)
        .outerjoin(RegistryFetch, _joined(source))
        .where(_answerable())
    )
    if not everyone and refresh_days > 1:
        stmt = stmt.where(due_clause(day, refresh_days))
    due = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    if due <= budget:
        return None, 0
    if budget <= 0:
        return NOBODY, due
    pid, key = session.execute(stmt.order_by(_key(), Person.id).offset(budget - 1).limit(1)).one()
    return (key.isoformat(), pid), due - budget


def within_budget(
    session: Session, source: str, person_ids: Sequence[int], cutoff: Cutoff
) -> set[int]:
    """The persons of ``person_ids`` whose key is at most ``cutoff`` (tonight's share)."""
    if not person_ids:
        return set()
    day, last = date.fromisoformat(cutoff[0]), cutoff[1]
    key = _key()
    return set(
        session.scalars(
            select(Person.id)
            .outerjoin(RegistryFetch, _joined(source))
            .where(
                among(Person.id, person_ids),
                or_(key < day, and_(key == day, Person.id <= last)),
            )
        )
    ) & set(person_ids)


def fetch_progress(session: Session, municipality_id: int, source: str) -> tuple[int, int]:
    """(persons ``source`` answered for at least once, persons of the caseload it is asked
    about): the answerable open-case subjects of a municipality."""
    subjects = open_case_subjects_query(municipality_id).distinct().subquery()
    base = (
        select(Person.id)
        .join(subjects, subjects.c.person_id == Person.id)
        .outerjoin(RegistryFetch, _joined(source))
        .where(_answerable())
    )
    caseload = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    fetched = base.where(RegistryFetch.fetched_on.is_not(None))
    done = session.scalar(select(func.count()).select_from(fetched.subquery())) or 0
    return done, caseload
