"""The store on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tilts.kernel.audit import AuditRecord
from tilts.store.caseload import close_case, seed_households
from tilts.store.db import transaction
from tilts.store.facts import Fact, facts_as_of, replace_facts
from tilts.store.models import AuditLog, Person, PersonCode, RegistryFact
from tilts.store.ops import StoreAuditSink, ensure_municipality, get_cursor, set_cursor
from tilts.store.persons import apply_population, iter_open_case_subjects, resolve_codes

OLD = "010190-10002".replace("-", "")
NEW = "32345678901"


def _rec(requested: str, current: str, **extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "requestedCode": requested,
        "result": "FOUND",
        "personCode": current,
        "previousPersonCodes": [requested] if requested != current else [],
        "givenName": "Anna",
        "surname": "Bērziņa",
        "birthDate": "1990-01-01",
        "sex": "F",
        "citizenship": "LVA",
        "registerStatus": "ACTIVE",
        "deathDate": None,
        "address": {
            "addressCode": "100000001",
            "atvk": "0040000",
            "text": "Ogre",
            "validFrom": "2020-01-01",
        },
        "relations": [],
    }
    base.update(extra)
    return base


@pytest.mark.postgres
def test_code_change_rekeys_the_person(factory) -> None:
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    with transaction(factory) as s:
        mid = ensure_municipality(s, "0040000", "Ogres novads")
        seed_households(s, mid, [("H1", [OLD])], date(2026, 1, 1))
    with transaction(factory) as s:
        out = apply_population(s, [_rec(OLD, NEW)], "0040000", t0, "run1")
    assert out.rekeyed == 1
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 1
        person = s.scalar(select(Person))
        assert person is not None and person.person_code == NEW
        ids = resolve_codes(s, [OLD, NEW])
        assert ids[OLD] == ids[NEW] == person.id
        current = s.scalars(select(PersonCode.code).where(PersonCode.is_current)).all()
        assert current == [NEW]
    # the same answer again changes nothing and creates no second person
    with transaction(factory) as s:
        again = apply_population(s, [_rec(OLD, NEW)], "0040000", t0 + timedelta(days=1), "run2")
    assert again.rekeyed == 0 and again.changed == 0
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 1


@pytest.mark.postgres
def test_facts_supersede_and_answer_as_of(factory) -> None:
    t1 = datetime(2026, 10, 1, tzinfo=UTC)
    t2 = datetime(2026, 11, 1, tzinfo=UTC)
    with transaction(factory) as s:
        mid = ensure_municipality(s, "0040000", "Ogres novads")
        seed_households(s, mid, [("H1", [OLD])], date(2026, 1, 1))
        pid = resolve_codes(s, [OLD])[OLD]
        replace_facts(
            s,
            "VSAA",
            [pid],
            ["PAYMENT"],
            [Fact(pid, "PAYMENT", "2026-09:OLD_AGE_PENSION", {"paid": "100.00"}, period="2026-09")],
            t1,
            "r1",
            periods=["2026-09"],
        )
    with transaction(factory) as s:
        res = replace_facts(
            s,
            "VSAA",
            [pid],
            ["PAYMENT"],
            [Fact(pid, "PAYMENT", "2026-09:OLD_AGE_PENSION", {"paid": "120.00"}, period="2026-09")],
            t2,
            "r2",
            periods=["2026-09"],
        )
        assert res.inserted == 1 and res.superseded == 1
    with factory() as s:
        before = facts_as_of(s, pid, "VSAA", t1 + timedelta(days=1))
        after = facts_as_of(s, pid, "VSAA", t2 + timedelta(days=1))
        assert [f.payload["paid"] for f in before] == ["100.00"]
        assert [f.payload["paid"] for f in after] == ["120.00"]
        assert s.scalar(select(func.count()).select_from(RegistryFact)) == 2


@pytest.mark.postgres
def test_replacing_some_persons_facts_leaves_their_neighbours_alone(factory) -> None:
    """replace_facts reads a chunk's current facts by id range: a person inside the range
    but not in the chunk keeps every fact."""
    t1 = datetime(2026, 10, 1, tzinfo=UTC)
    codes = [f"{32000000100 + i}" for i in range(3)]
    with transaction(factory) as s:
        mid = ensure_municipality(s, "0040000", "Ogres novads")
        seed_households(s, mid, [(f"H{i}", [c]) for i, c in enumerate(codes)], date(2026, 1, 1))
        ids = sorted(resolve_codes(s, codes).values())
        facts = [Fact(p, "DISABILITY", "D1", {"group": "II"}) for p in ids]
        replace_facts(s, "VDEAVK", ids, ["DISABILITY"], facts, t1, "r1")
    first, middle, last = ids
    with transaction(factory) as s:
        res = replace_facts(s, "VDEAVK", [first, last], ["DISABILITY"], [], t1, "r2")
        assert res.superseded == 2 and res.changed_persons == {first, last}
    with factory() as s:
        current = s.scalars(
            select(RegistryFact.person_id).where(RegistryFact.superseded_at.is_(None))
        ).all()
    assert current == [middle]


@pytest.mark.postgres
def test_death_and_move_out_recorded(factory) -> None:
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    other = "32345678912"
    with transaction(factory) as s:
        mid = ensure_municipality(s, "0040000", "Ogres novads")
        seed_households(s, mid, [("H1", [OLD, other])], date(2026, 1, 1))
    moved = _rec(
        other,
        other,
        address={
            "addressCode": "200000002",
            "atvk": "0051000",
            "text": "Tukums",
            "validFrom": "2026-10-01",
        },
    )
    died = _rec(OLD, OLD, deathDate="2026-10-20", registerStatus="PASSIVE")
    with transaction(factory) as s:
        out = apply_population(s, [died, moved], "0040000", t0, "r1")
    assert (out.deaths, out.moved_out) == (1, 1)
    with factory() as s:
        people = {p.person_code: p for p in s.scalars(select(Person))}
        assert people[OLD].death_date == date(2026, 10, 20)
        assert people[other].address_atvk == "0051000"


@pytest.mark.postgres
def test_open_cases_define_subjects_and_cursor_roundtrip(factory) -> None:
    with transaction(factory) as s:
        mid = ensure_municipality(s, "0040000", "Ogres novads")
        seed_households(s, mid, [("H1", [OLD]), ("H2", [NEW, "32345678912"])], date(2026, 1, 1))
        # seeding twice is idempotent
        seed_households(s, mid, [("H1", [OLD])], date(2026, 1, 1))
    with factory() as s:
        assert sum(len(p) for p in iter_open_case_subjects(s, mid, page=2)) == 3
    with transaction(factory) as s:
        close_case(s, mid, "SD-H2", date(2026, 11, 1))
        assert get_cursor(s, mid, "pmlp.changes") is None
        set_cursor(s, mid, "pmlp.changes", "42")
        set_cursor(s, mid, "pmlp.changes", "43")
    with factory() as s:
        assert sum(len(p) for p in iter_open_case_subjects(s, mid)) == 1
        assert get_cursor(s, mid, "pmlp.changes") == "43"


@pytest.mark.postgres
def test_audit_sink_writes_one_row_per_message(factory) -> None:
    sink = StoreAuditSink(factory, flush_every=2)
    for i in range(3):
        sink.record(
            AuditRecord(
                datetime.now(UTC),
                "pmlp",
                "getPersons",
                "90000000040",
                "LVsvc",
                "MK809",
                100,
                "OK",
                200,
                1,
                5,
                f"m{i}",
                "r",
            )
        )
    sink.record(
        AuditRecord(
            datetime.now(UTC),
            "pmlp",
            "getPersons",
            "90000000040",
            "LVsvc",
            "MK809",
            100,
            "OK",
            200,
            1,
            5,
            "m0",
            "r",
        )
    )
    sink.flush()
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog)) == 3


# SQLite's one writer is what a flush waits for (store/db.py); PostgreSQL has no such turn
@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_flush_returns_once_rows_another_flush_took_are_committed(factory) -> None:
    """Two lanes share the audit sink and each flushes before committing what its calls
    answered. When one lane's flush has taken the buffer and waits for SQLite's one writer, the
    other lane's flush (nothing left to take) must wait for it too: else that lane commits its
    answers first and a crash keeps them without their audit (seen once in CI: the crash suite's
    `sync_property@registry.committed:6`, VTUA facts of two chunks, one audited call)."""
    sink = StoreAuditSink(factory)
    sink.record(_audit("m-vtua"))
    seen: list[int | None] = []

    def second_lane() -> None:  # flushes, then commits its answers (here: reads the audit)
        sink.flush()
        with factory() as s:
            seen.append(s.scalar(select(func.count()).select_from(AuditLog)))

    with _a_flush_waiting_for_the_writer(factory, sink):
        second = threading.Thread(target=second_lane)
        second.start()
        second.join(0.5)  # the old sink returned at once and saw no audit row
    second.join(30)
    assert seen == [1]


# SQLite's one writer is what a flush waits for (store/db.py); PostgreSQL has no such turn
@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_full_buffer_never_waits_on_another_lanes_flush(factory) -> None:
    """``record`` writes a full buffer itself only when no flush is under way: a call made while
    another lane's flush waits for the store's writer returns at once, its row kept for the
    next flush (a call never blocks on the audit from inside its own work)."""
    sink = StoreAuditSink(factory, flush_every=1)
    sink.record(_audit("m-first"))  # written at once: nothing else under way
    sink._buffer.append(asdict(_audit("m-taken")))  # what the waiting flush takes
    with _a_flush_waiting_for_the_writer(factory, sink):
        caller = threading.Thread(target=sink.record, args=(_audit("m-call"),))
        caller.start()
        caller.join(5)
        returned = not caller.is_alive()
    caller.join(30)
    assert returned, "record waited for another lane's flush"
    assert sink.pending() == 1  # kept for the next flush
    sink.flush()
    with factory() as s:
        assert set(s.scalars(select(AuditLog.message_id))) == {"m-first", "m-taken", "m-call"}


def _audit(message_id: str) -> AuditRecord:
    return AuditRecord(datetime.now(UTC), "vtua", "machines", "90000000040", "LVsvc", "MK809",
                       5, "OK", 200, 1, 5, message_id, "r")  # fmt: skip


@contextmanager
def _a_flush_waiting_for_the_writer(factory, sink: StoreAuditSink) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Another lane holds SQLite's one writer in a transaction while a flush has taken the
    sink's buffer and waits for the writer; on leaving, the writer is released and both end."""
    holding, release = threading.Event(), threading.Event()

    def another_lane_commits() -> None:
        with transaction(factory) as s:
            s.execute(select(1))
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=another_lane_commits)
    holder.start()
    assert holding.wait(30)
    waiting = threading.Thread(target=sink.flush)  # takes the buffer, then waits for the writer
    waiting.start()
    deadline = time.monotonic() + 30
    while sink.pending() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not sink.pending(), "the flush never took the buffer"
    try:
        yield
    finally:
        release.set()
        for thread in (holder, waiting):
            thread.join(30)
