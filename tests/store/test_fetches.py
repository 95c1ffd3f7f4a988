"""The refresh policy of the per-person registries (store/fetches.py), SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tilts.store.caseload import seed_households
from tilts.store.db import transaction
from tilts.store.fetches import due_persons, mark_fetched
from tilts.store.ops import ensure_municipality
from tilts.store.persons import iter_open_case_subjects

DAY = date(2026, 11, 27)


def _persons(factory, n: int) -> list[int]:
    with transaction(factory) as s:
        mid = ensure_municipality(s, "0040000", "Ogres novads")
        households = [(f"H{i}", [f"{32000000000 + i}"]) for i in range(n)]
        seed_households(s, mid, households, date(2026, 1, 1))
    with factory() as s:
        return [pid for page in iter_open_case_subjects(s, mid) for pid in page]


@pytest.mark.postgres
def test_never_fetched_old_changed_and_their_turn_are_due(factory) -> None:
    ids = _persons(factory, 70)
    with factory() as s:
        assert due_persons(s, "NVA", ids, DAY, 7) == ids  # never fetched: everyone
    with transaction(factory) as s:
        mark_fetched(s, "NVA", ids, DAY)
    with factory() as s:
        assert due_persons(s, "NVA", ids, DAY, 7) == []  # asked today: nobody again
        assert due_persons(s, "VSAA", ids, DAY, 7) == ids  # another source keeps its own
        tomorrow = DAY + timedelta(days=1)
        turn = [p for p in ids if p % 7 == tomorrow.toordinal() % 7]
        assert due_persons(s, "NVA", ids, tomorrow, 7) == turn
        assert 0 < len(turn) < len(ids)
        changed = [p for p in ids if p not in turn][:3]
        assert due_persons(s, "NVA", ids, tomorrow, 7, set(changed)) == sorted(turn + changed)
        assert due_persons(s, "NVA", ids, DAY + timedelta(days=7), 7) == ids  # all too old
        assert due_persons(s, "NVA", ids, tomorrow, 1) == ids  # refresh_days 1: every night


@pytest.mark.postgres
def test_every_person_is_due_once_per_cycle(factory) -> None:
    ids = _persons(factory, 50)
    with transaction(factory) as s:
        mark_fetched(s, "VID", ids, DAY)
    asked: list[int] = []
    for n in range(1, 29):
        day = DAY + timedelta(days=n)
        with transaction(factory) as s:
            due = due_persons(s, "VID", ids, day, 28)
            mark_fetched(s, "VID", due, day)
        asked += due
    assert sorted(asked) == sorted(ids)  # each person exactly once in 28 nights
