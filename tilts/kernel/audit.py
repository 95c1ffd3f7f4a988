"""The audit hook: one record per registry call (registries.md §1.2; personal codes never in it)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class AuditRecord:
    """Who asked what, why, how many persons, and what came of it."""

    at: datetime
    service: str
    operation: str
    client: str
    user_id: str
    purpose: str
    batch_size: int
    outcome: str
    http_status: int | None
    attempt: int
    duration_ms: int
    message_id: str
    run_id: str | None


class AuditSink(Protocol):
    """Receives audit records; implementations must be thread-safe."""

    def record(self, rec: AuditRecord) -> None:
        """Keep one record."""

    def flush(self) -> None:
        """Persist what was kept so far."""


class MemoryAuditSink:
    """Keeps records in memory (tests, dry runs)."""

    def __init__(self) -> None:
        self.records: list[AuditRecord] = []
        self._lock = threading.Lock()

    def record(self, rec: AuditRecord) -> None:
        with self._lock:
            self.records.append(rec)

    def flush(self) -> None:
        return None
