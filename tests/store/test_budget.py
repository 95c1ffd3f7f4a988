"""The night budget's ranking (store/budget.py), hand-computed, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tilts.kernel.config import ServiceLimits
from tilts.store.budget import NOBODY, budget_cutoff, fetch_progress, within_budget
from tilts.store.db import transaction
from tilts.store.fetches import mark_fetched
from tilts.store.models import Municipality

from .test_fetches import DAY, _persons


def _mid(factory) -> int:  # type: ignore[no-untyped-def]
    with factory() as s:
        mid = s.scalar(select(Municipality.id).where(Municipality.atvk == "0040000"))
        assert mid is not None
        return mid


@pytest.mark.postgres
def test_never_fetched_first_then_the_most_overdue(factory) -> None:
    ids = _persons(factory, 10)  # ids in order
    mid = _mid(factory)
    old, older = DAY - timedelta(days=40), DAY - timedelta(days=60)
    with transaction(factory) as s:
        mark_fetched(s, "UR", ids[:3], old)  # overdue (28 days)
        mark_fetched(s, "UR", ids[3:5], older)  # more overdue
        mark_fetched(s, "UR", ids[5:7], DAY - timedelta(days=1))  # fresh: not due (unless turn)
    with factory() as s:
        fresh_due = [p for p in ids[5:7] if p % 28 == DAY.toordinal() % 28]
        due = 3 + 3 + 2 + len(fresh_due)  # never (ids[7:]), older, old, turn
        # budget 4: the three never-fetched, then the oldest of the "older" two (by id)
        cutoff, deferred = budget_cutoff(s, mid, "UR", DAY, 28, False, 4)
        assert cutoff == (older.isoformat(), ids[3]) and deferred == due - 4
        assert within_budget(s, "UR", ids, cutoff) == {*ids[7:], ids[3]}
        # budget 3: exactly the never-fetched; the cutoff is the last of them
        cutoff, _ = budget_cutoff(s, mid, "UR", DAY, 28, False, 3)
        assert cutoff == ("1900-01-01", ids[9])
        assert within_budget(s, "UR", ids, cutoff) == set(ids[7:])
        # room for everyone due: no cutoff, nothing deferred; none: nobody
        assert budget_cutoff(s, mid, "UR", DAY, 28, False, due) == (None, 0)
        assert budget_cutoff(s, mid, "UR", DAY, 28, False, 0) == (NOBODY, due)
        assert within_budget(s, "UR", ids, NOBODY) == set()
        # everyone (a --full night): the fresh ones rank last
        cutoff, deferred = budget_cutoff(s, mid, "UR", DAY, 28, True, 9)
        assert deferred == 1 and within_budget(s, "UR", ids, cutoff) == set(ids) - {ids[6]}
        assert fetch_progress(s, mid, "UR") == (7, 10)
        assert fetch_progress(s, mid, "VSAA") == (0, 10)


def test_persons_per_night_from_calls_or_minutes() -> None:
    ur = ServiceLimits(batch_size=1, rate_per_s=20, night_minutes=30)
    assert ur.persons_per_night() == 36_000  # 30 min × 60 s × 20 calls/s × 1 person
    assert ur.model_copy(update={"night_calls": 1000}).persons_per_night() == 1000  # smaller
    vsaa = ServiceLimits(batch_size=500, rate_per_s=10, night_calls=3)
    assert vsaa.persons_per_night() == 1500
    assert ServiceLimits(batch_size=500, rate_per_s=10).persons_per_night() is None


def test_every_per_person_registry_has_a_night_budget_by_default() -> None:
    from tilts.kernel.config import GatewaySettings
    from tilts.registries import per_person

    services = GatewaySettings().services
    assert services["ur"].persons_per_night() == 36_000
    for name in per_person():
        assert services[name].night_minutes == 30, name
    assert services["pmlp"].persons_per_night() is None  # the population lane: its change feed
