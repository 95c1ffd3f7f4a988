"""The chunk ledger (``store/models_chunks.py``): plan, claim, finish, read.

A claim is one conditional ``UPDATE … WHERE status = 'PENDING'``: on PostgreSQL the second of
two concurrent claimers waits for the first's row lock, re-checks the condition and updates
nothing; on SQLite the database lock serialises them the same way. Whoever updated the row
works the chunk; everyone else leaves it alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import CursorResult, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from tilts.store.db import transaction
from tilts.store.models_chunks import SyncChunk
from tilts.store.ops import now


def plan_chunks(session: Session, run_id: str, municipality_id: int, sizes: Sequence[int]) -> None:
    """One PENDING row per chunk (``sizes[i]`` persons in chunk ``i``)."""
    if sizes:
        at = now()
        rows = [
            {"run_id": run_id, "municipality_id": municipality_id, "chunk": i, "persons": n,
             "status": "PENDING", "figures": {}, "created_at": at}
            for i, n in enumerate(sizes)
        ]  # fmt: skip
        session.execute(insert(SyncChunk), rows)


def _key(run_id: str, municipality_id: int, chunk: int) -> list[Any]:
    return [
        SyncChunk.run_id == run_id,
        SyncChunk.municipality_id == municipality_id,
        SyncChunk.chunk == chunk,
    ]


def claim_chunk(
    factory: sessionmaker[Session],
    run_id: str,
    municipality_id: int,
    chunk: int,
    flow_run_id: str | None,
    worker: str,
    host: str,
) -> bool:
    """Take a PENDING chunk for this child run; False if it is not (or no longer) pending."""
    with transaction(factory) as s:
        result = s.execute(
            update(SyncChunk)
            .where(*_key(run_id, municipality_id, chunk), SyncChunk.status == "PENDING")
            .values(status="RUNNING", flow_run_id=flow_run_id, worker=worker[:100],
                    host=host[:255], started_at=now())
        )  # fmt: skip
        assert isinstance(result, CursorResult)
        return result.rowcount == 1


def finish_chunk(
    factory: sessionmaker[Session],
    run_id: str,
    municipality_id: int,
    chunk: int,
    status: str,
    figures: dict[str, Any],
    error: str | None = None,
) -> None:
    """Record how a claimed chunk ended (COMPLETED or FAILED) and its figures."""
    with transaction(factory) as s:
        s.execute(
            update(SyncChunk)
            .where(*_key(run_id, municipality_id, chunk), SyncChunk.status == "RUNNING")
            .values(status=status, figures=figures, error=error, finished_at=now())
        )


def mark_lost(factory: sessionmaker[Session], run_id: str, ids: Sequence[int], reason: str) -> None:
    """Chunks whose child run ended without finishing them (crashed, cancelled, never ran)."""
    if ids:
        with transaction(factory) as s:
            s.execute(
                update(SyncChunk)
                .where(
                    SyncChunk.run_id == run_id,
                    SyncChunk.id.in_(ids),
                    SyncChunk.status.in_(("PENDING", "RUNNING")),
                )
                .values(status="FAILED", error=reason, finished_at=now())
            )


def chunks_of(factory: sessionmaker[Session], run_id: str) -> list[SyncChunk]:
    """Every chunk row of a run, by municipality and chunk."""
    with factory() as s:
        rows = s.scalars(
            select(SyncChunk)
            .where(SyncChunk.run_id == run_id)
            .order_by(SyncChunk.municipality_id, SyncChunk.chunk)
        ).all()
        s.expunge_all()
        return list(rows)
