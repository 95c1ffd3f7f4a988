"""The chunk ledger of a fanned-out nightly run (``flows/fanout.py``, operations.md §6).

The parent flow run writes one ``sync_chunk`` row per chunk of persons of each municipality
(``PENDING``) before it launches the child flow runs; a child claims its row
(``PENDING`` → ``RUNNING``, an atomic conditional update, so a chunk is worked by at most one
child even if it were launched twice) and records how it ended, on which worker and with
which figures. The unique key (run, municipality, chunk) makes a second row for the same
chunk impossible. Rows hold internal ids and counters only, never personal data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tilts.store.models import Base, BigId

CHUNK_STATUSES = ("PENDING", "RUNNING", "COMPLETED", "FAILED")


class SyncChunk(Base):
    """One chunk of one municipality in one fanned-out nightly run."""

    __tablename__ = "sync_chunk"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(64))  # the parent run's key (flow_run_log)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    chunk: Mapped[int] = mapped_column(Integer)  # 0, 1, … within the municipality
    persons: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="PENDING")
    flow_run_id: Mapped[str | None] = mapped_column(String(36))  # the child's Prefect run
    worker: Mapped[str | None] = mapped_column(String(100))  # the Prefect worker that ran it
    host: Mapped[str | None] = mapped_column(String(255))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        UniqueConstraint("run_id", "municipality_id", "chunk"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in CHUNK_STATUSES)})", name="status"),
    )
