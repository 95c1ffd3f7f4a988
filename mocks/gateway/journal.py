"""The request journal of the mock gateway (``GET /_admin/journal``).

One entry per call that reached a service path (refusals included). Personal codes never enter
the journal in clear: the journal stores no request bodies, and the free-text fields that a
client fills (``userId``, ``issue``) are scrubbed of anything that looks like a personal code.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

from tilts.kernel.personal_code import mask

_CODE_LIKE = re.compile(r"\d{6}-?\d{5}")
_DIGIT_RUN = re.compile(r"\d{6,}")


def scrub(text: str | None) -> str | None:
    """``text`` with personal-code-like digit runs masked (``010190-1****``)."""
    if text is None:
        return None
    text = _CODE_LIKE.sub(lambda m: mask(m.group(0)), text)
    return _DIGIT_RUN.sub(lambda m: "*" * len(m.group(0)), text)


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One journalled call."""

    at: str
    service: str
    operation: str | None
    client: str | None
    userId: str | None
    issue: str | None
    batchSize: int | None
    status: int
    outcome: str
    durationMs: float
    messageId: str | None
    injectedFault: str | None


class Journal:
    """A bounded, append-only list of :class:`JournalEntry` (oldest dropped first)."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=max_entries)

    def add(
        self,
        *,
        service: str,
        operation: str | None,
        client: str | None,
        user_id: str | None,
        issue: str | None,
        batch_size: int | None,
        status: int,
        outcome: str,
        duration_ms: float,
        message_id: str | None,
        injected_fault: str | None,
    ) -> None:
        self._entries.append(
            JournalEntry(
                at=dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
                service=service,
                operation=operation,
                client=client,
                userId=scrub(user_id),
                issue=scrub(issue),
                batchSize=batch_size,
                status=status,
                outcome=outcome,
                durationMs=round(duration_ms, 3),
                messageId=scrub(message_id),
                injectedFault=injected_fault,
            )
        )

    def entries(
        self, service: str | None = None, operation: str | None = None, client: str | None = None
    ) -> list[dict[str, Any]]:
        """Entries as JSON-ready dicts, oldest first, optionally filtered."""
        return [
            asdict(e)
            for e in self._entries
            if (service is None or e.service == service)
            and (operation is None or e.operation == operation)
            and (client is None or e.client == client)
        ]

    def clear(self) -> int:
        """Drop every entry; returns how many there were."""
        n = len(self._entries)
        self._entries.clear()
        return n

    def __len__(self) -> int:
        return len(self._entries)
