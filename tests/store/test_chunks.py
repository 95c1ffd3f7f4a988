"""The chunk ledger of the fanned-out nightly (store/chunks.py) on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from tilts.kernel.errors import StoreError
from tilts.store.chunks import chunks_of, claim_chunk, finish_chunk, mark_lost, plan_chunks
from tilts.store.db import transaction
from tilts.store.ops import ensure_municipality

CLAIMERS = 6


@pytest.mark.postgres
def test_a_chunk_is_claimed_by_exactly_one_of_many_and_planned_once(factory) -> None:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        mid = ensure_municipality(s, "0040000", "Ogres novads")
        plan_chunks(s, "run-1", mid, [5, 5, 2])
    with pytest.raises(StoreError), transaction(factory) as s:  # the unique key
        plan_chunks(s, "run-1", mid, [5])

    start = threading.Barrier(CLAIMERS)
    won: list[str] = []

    def claimer(n: int) -> None:
        start.wait(timeout=30)
        if claim_chunk(factory, "run-1", mid, 1, f"flow-run-{n}", f"w{n}", "host"):
            won.append(f"w{n}")

    threads = [threading.Thread(target=claimer, args=(n,), daemon=True) for n in range(CLAIMERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(won) == 1

    finish_chunk(factory, "run-1", mid, 1, "COMPLETED", {"records_changed": 3})
    assert not claim_chunk(factory, "run-1", mid, 1, "late", "w9", "host")  # done stays done
    assert claim_chunk(factory, "run-1", mid, 0, "flow-run-a", "w1", "host")
    rows = chunks_of(factory, "run-1")
    mark_lost(factory, "run-1", [r.id for r in rows], "child run Crashed")
    by_chunk = {r.chunk: r for r in chunks_of(factory, "run-1")}
    assert by_chunk[1].status == "COMPLETED" and by_chunk[1].worker == won[0]
    assert by_chunk[1].figures == {"records_changed": 3}
    assert (by_chunk[0].status, by_chunk[0].error) == ("FAILED", "child run Crashed")
    assert (by_chunk[2].status, by_chunk[2].persons) == ("FAILED", 2)
    assert chunks_of(factory, "run-2") == []
