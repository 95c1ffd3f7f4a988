"""Small repository functions: municipalities, cursors, quarantine, audit rows, run log."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from tilts.kernel.audit import AuditRecord
from tilts.store.bulk import upsert
from tilts.store.db import transaction
from tilts.store.models import AuditLog, FlowRunLog, Municipality, Quarantine, SyncCursor


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


def ensure_municipality(session: Session, atvk: str, name: str) -> int:
    """The id of the municipality row, created on first use."""
    upsert(session, Municipality.__table__, [{"atvk": atvk, "name": name}], ["atvk"], ["name"])
    mid = session.scalar(select(Municipality.id).where(Municipality.atvk == atvk))
    assert mid is not None
    return mid


def get_cursor(session: Session, municipality_id: int, service: str) -> str | None:
    """The stored sync cursor of a service, or ``None`` before the first sync."""
    return session.scalar(
        select(SyncCursor.cursor).where(
            SyncCursor.municipality_id == municipality_id, SyncCursor.service == service
        )
    )


def set_cursor(session: Session, municipality_id: int, service: str, cursor: str) -> None:
    """Store a cursor; call only in the transaction after the data it covers is committed."""
    upsert(
        session,
        SyncCursor.__table__,
        [
            {
                "municipality_id": municipality_id,
                "service": service,
                "cursor": cursor,
                "updated_at": now(),
            }
        ],
        ["municipality_id", "service"],
        ["cursor", "updated_at"],
    )


def quarantine(
    session: Session,
    service: str,
    record_kind: str,
    items: Sequence[tuple[str, dict[str, Any], str]],
    run_id: str | None,
) -> int:
    """Keep bad records with their reasons; ``items`` are (masked ref, record, reason)."""
    rows = [
        {
            "created_at": now(),
            "run_id": run_id,
            "service": service,
            "record_kind": record_kind,
            "record_ref": ref,
            "record": record,
            "reason": reason,
            "status": "OPEN",
        }
        for ref, record, reason in items
    ]
    if rows:
        session.execute(insert(Quarantine), rows)
    return len(rows)


class StoreAuditSink:
    """The audit hook writing to ``audit_log``; buffered, flushed per chunk and on close."""

    def __init__(self, factory: sessionmaker[Session], flush_every: int = 200) -> None:
        self._factory = factory
        self._buffer: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._flush_every = flush_every
        self.written = 0

    def record(self, rec: AuditRecord) -> None:
        with self._lock:
            self._buffer.append(asdict(rec))
            full = len(self._buffer) >= self._flush_every
        # a full buffer is written here unless a flush is under way (it or the next one takes
        # these rows): a call never waits on another lane's flush from inside its own work
        if full and self._flushing.acquire(blocking=False):
            try:
                self._write()
            finally:
                self._flushing.release()

    def pending(self) -> int:
        """Rows recorded and not yet taken by a flush."""
        with self._lock:
            return len(self._buffer)

    def flush(self) -> None:
        """Returns once every row recorded before the call is committed, by this flush or by
        one that took it earlier (a lane flushes before it commits what the calls answered; a
        flush that found the buffer emptied by another lane's must not return while that one
        still waits for the store's writer: a crash would keep the answers, not their audit)."""
        with self._flushing:
            self._write()

    def _write(self) -> None:
        with self._lock:
            rows, self._buffer = self._buffer, []
        if rows:
            with transaction(self._factory) as session:
                upsert(session, AuditLog.__table__, rows, ["message_id"])
            self.written += len(rows)


def process_identity() -> dict[str, Any]:
    """This process: pid, host and (Linux) its start time in clock ticks since boot, so a
    reused pid is not taken for the run's process (``tilts status``, store/runs.py)."""
    return {"pid": os.getpid(), "host": socket.gethostname(), "start": process_start(os.getpid())}


def process_start(pid: int) -> int | None:
    """A process's start time (clock ticks since boot, ``/proc``), or ``None`` if unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])


def start_run(session: Session, run_id: str, flow: str, municipality: str | None) -> None:
    """Record that a flow run started (idempotent per run id), with the process running it
    (``figures["process"]`` until the run's figures replace it at its end)."""
    upsert(
        session,
        FlowRunLog.__table__,
        [
            {
                "run_id": run_id,
                "flow": flow,
                "municipality": municipality,
                "started_at": now(),
                "outcome": "RUNNING",
                "figures": {"process": process_identity()},
            }
        ],
        ["run_id"],
    )


def finish_run(session: Session, run_id: str, outcome: str, figures: dict[str, Any]) -> None:
    """Record a flow run's outcome and figures."""
    row = session.scalar(select(FlowRunLog).where(FlowRunLog.run_id == run_id))
    if row is not None:
        row.ended_at = now()
        row.outcome = outcome
        row.figures = figures
