"""The sync's store work: one statement per chunk whatever its size, and every read on an
index (checked with the query plans, SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from tilts.store.caseload import seed_households
from tilts.store.db import transaction
from tilts.store.facts import Fact, replace_facts
from tilts.store.fetches import due_persons, mark_fetched
from tilts.store.ops import ensure_municipality
from tilts.store.persons import (
    codes_of,
    open_case_subjects,
    resolve_codes,
    subject_spans,
    unmonitored_subjects,
)

AT = datetime(2026, 11, 27, 2, tzinfo=UTC)
BIG = ("registry_fact", "person", "person_code", "household_member", "registry_fetch",
       "monitoring")  # fmt: skip


def _world(factory: Any, n: int, offset: int = 0) -> tuple[int, list[int]]:
    with transaction(factory) as s:
        mid = ensure_municipality(s, "0040000", "Ogres novads")
        households = [(f"H{offset + i}", [f"{32000000000 + offset + i}"]) for i in range(n)]
        seed_households(s, mid, households, date(2026, 1, 1))
    with factory() as s:
        ids = open_case_subjects(s, mid, limit=None)
    return mid, ids[-n:]


def _chunk_work(s: Session, mid: int, ids: list[int]) -> None:
    """What a registry chunk does with the store, on ``ids``."""
    open_case_subjects(s, mid, ids[0] - 1, limit=None, upto_id=ids[-1])
    subject_spans(s, mid, 5000)
    unmonitored_subjects(s, mid, ids[0] - 1, 5000)
    codes = codes_of(s, ids)
    resolve_codes(s, list(codes.values()))
    due_persons(s, "NVA", ids, AT.date(), 7)
    facts = [
        Fact(
            pid, "PAYMENT", f"2026-10:OLD_AGE_PENSION:{k}", {"amount": f"{k}.00"}, period="2026-10"
        )
        for pid in ids
        for k in (1, 2)
    ]
    replace_facts(s, "VSAA", ids, ("PAYMENT",), facts, AT, "run", periods=["2026-10"])
    mark_fetched(s, "VSAA", ids, AT.date())


@contextmanager
def _statements(factory: Any) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []
    engine = factory.kw["bind"]

    def record(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.postgres
def test_a_chunk_costs_the_same_statements_whatever_its_size(factory: Any) -> None:
    counts = []
    for n, offset in ((20, 0), (400, 1000)):
        mid, ids = _world(factory, n, offset)
        with _statements(factory) as seen, transaction(factory) as s:
            _chunk_work(s, mid, ids)
        counts.append(len(seen))
    assert counts[0] == counts[1], counts  # bulk: one statement per step, not per person


@pytest.mark.postgres
def test_the_sync_reads_use_indexes(factory: Any) -> None:
    mid, ids = _world(factory, 300)
    with transaction(factory) as s:
        _chunk_work(s, mid, ids)  # facts and fetch rows exist: the second pass reads them
    with _statements(factory) as seen, transaction(factory) as s:
        _chunk_work(s, mid, ids)
    reads = [(q, p) for q, p in seen if q.lstrip().upper().startswith("SELECT")]
    assert len(reads) >= 6
    engine = factory.kw["bind"]
    with engine.connect() as conn:
        pg = engine.dialect.name == "postgresql"
        if pg:
            conn.exec_driver_sql("SET enable_seqscan = off")  # what the planner *can* use
        for query, params in reads:
            explain = "EXPLAIN " if pg else "EXPLAIN QUERY PLAN "
            plan = "\n".join(str(r[-1]) for r in conn.exec_driver_sql(explain + query, params))
            for table in BIG:
                bad = f"Seq Scan on {table} " if pg else f"SCAN {table}\n"
                assert bad not in plan + "\n", f"full scan of {table}:\n{query}\n{plan}"
