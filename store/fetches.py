"""The refresh policy of the per-person registries, which have no change feed.

A registry is asked about a person when the person was never fetched from it, when PMLP
reported a change of the person tonight, when the last answer is ``refresh_days`` old, or when
it is the person's turn in the rotation (person id modulo ``refresh_days`` against the day),
which spreads the refreshes evenly over the nights instead of one big night a month.
``refresh_days = 1`` asks everyone every night. Monthly sources also refresh everyone on the
night after they report a newly complete month (``flows/sync_registries.py``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.bulk import among, upsert
from store.models import RegistryFetch


def due_persons(
    session: Session,
    source: str,
    person_ids: Sequence[int],
    day: date,
    refresh_days: int,
    always: Collection[int] = (),
) -> list[int]:
    """The persons of ``person_ids`` that ``source`` should be asked about on ``day``."""
    if refresh_days <= 1 or not person_ids:
        return list(person_ids)
    last = dict(
        session.execute(
            select(RegistryFetch.person_id, RegistryFetch.fetched_on).where(
                RegistryFetch.source == source, among(RegistryFetch.person_id, person_ids)
            )
        ).all()
    )
    turn = day.toordinal() % refresh_days
    out = []
    for pid in person_ids:
        seen = last.get(pid)
        if (
            seen is None
            or pid in always
            or (day - seen).days >= refresh_days
            or (pid % refresh_days == turn and seen < day)
        ):
            out.append(pid)
    return out


def mark_fetched(session: Session, source: str, person_ids: Sequence[int], day: date) -> None:
    """Remember that ``source`` answered for ``person_ids`` on ``day`` (one statement)."""
    rows = [{"person_id": pid, "source": source, "fetched_on": day} for pid in person_ids]
    upsert(session, RegistryFetch.__table__, rows, ["person_id", "source"], ["fetched_on"])
