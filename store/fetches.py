"""The refresh policy of the per-person registries, which have no change feed.

A registry is asked about a person when the person was never fetched from it, when PMLP
reported a change of the person tonight, when the last answer is ``refresh_days`` old, or when
it is the person's turn in the rotation (person id modulo ``refresh_days`` against the day),
which spreads the refreshes evenly over the nights instead of one big night a month.
``refresh_days = 1`` asks everyone every night. Monthly sources also refresh everyone on the
night after they report a newly complete month (``flows/work/tonight.py`` ``ask``).

These are the database's halves of the one policy function, ``flows/work/tonight.py``
``who_is_due``: :func:`due_persons` (the registries' refresh), :func:`answerable` (nobody is
asked about a code PMLP called invalid or absent) and :func:`never_fetched` (the population
register is asked about a person it never answered for, whatever the change feed says).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from tilts.store.bulk import among, upsert
from tilts.store.models import Person, RegistryFetch


def due_clause(day: date, refresh_days: int) -> ColumnElement[bool]:
    """The refresh policy's test of ``store/fetches.py`` as one condition (``registry_fetch``
    outer-joined): never fetched, too old, or the person's turn."""
    seen = RegistryFetch.fetched_on
    return or_(
        seen.is_(None),
        seen <= day - timedelta(days=refresh_days),
        and_(Person.id % refresh_days == day.toordinal() % refresh_days, seen < day),
    )


def due_persons(
    session: Session,
    source: str,
    person_ids: Sequence[int],
    day: date,
    refresh_days: int,
    always: Collection[int] = (),
) -> list[int]:
    """The persons of ``person_ids`` that ``source`` should be asked about on ``day``.

    The test runs in the database (one query per chunk, through the primary keys of
    ``person`` and ``registry_fetch``), which returns only the due persons: on an ordinary
    night a few percent of the chunk, not a row per person.
    """
    if refresh_days <= 1 or not person_ids:
        return list(person_ids)
    fetch = RegistryFetch
    due = set(
        _ids(
            session,
            select(Person.id)
            .outerjoin(fetch, and_(fetch.person_id == Person.id, fetch.source == source))
            .where(among(Person.id, person_ids), due_clause(day, refresh_days)),
        )
    )
    return [pid for pid in person_ids if pid in due or pid in always]


def answerable(session: Session, ids: Sequence[int]) -> list[int]:
    """The persons of ``ids`` not known to PMLP as invalid or absent."""
    skip = set(
        _ids(
            session,
            select(Person.id).where(
                among(Person.id, ids), Person.lookup_result.in_(["INVALID_CODE", "NOT_FOUND"])
            ),
        )
    )
    return [pid for pid in ids if pid not in skip]


def never_fetched(session: Session, ids: Sequence[int]) -> list[int]:
    """The persons of ``ids`` never fetched from PMLP."""
    fetched = set(
        _ids(
            session,
            select(Person.id).where(
                among(Person.id, ids), Person.population_fetched_at.is_not(None)
            ),
        )
    )
    return [pid for pid in ids if pid not in fetched]


def _ids(session: Session, stmt: Select[tuple[int]]) -> list[int]:
    """The ids a query selects, as Core rows on the session's connection (no ORM processing
    per row: a chunk's queries read thousands)."""
    return list(session.connection().execute(stmt).scalars())


def mark_fetched(session: Session, source: str, person_ids: Sequence[int], day: date) -> None:
    """Remember that ``source`` answered for ``person_ids`` on ``day`` (one statement)."""
    rows = [{"person_id": pid, "source": source, "fetched_on": day} for pid in person_ids]
    upsert(session, RegistryFetch.__table__, rows, ["person_id", "source"], ["fetched_on"])
