"""Which part of a run's wall time our own code used (to measure Prefect's share).

Our code — task bodies and the flow's own steps — records its busy intervals here; whatever
wall time no interval covers was spent in Prefect's machinery (flow and task run creation,
state transitions, result handling) or idle. ``bench`` prints that share.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class BusyIntervals:
    """Thread-safe record of (start, end) monotonic intervals of our own work."""

    def __init__(self) -> None:
        self._spans: list[tuple[float, float]] = []
        self._lock = threading.Lock()

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Mark the enclosed block as our own work."""
        start = time.monotonic()
        try:
            yield
        finally:
            end = time.monotonic()
            with self._lock:
                self._spans.append((start, end))

    def covered(self, start: float, end: float) -> float:
        """Seconds within [start, end] covered by at least one interval (their union)."""
        with self._lock:
            spans = sorted(
                (max(a, start), min(b, end)) for a, b in self._spans if b > start and a < end
            )
        total = 0.0
        cur_a = cur_b = None
        for a, b in spans:
            if cur_b is None or a > cur_b:
                if cur_b is not None and cur_a is not None:
                    total += cur_b - cur_a
                cur_a, cur_b = a, b
            else:
                cur_b = max(cur_b, b)
        if cur_a is not None and cur_b is not None:
            total += cur_b - cur_a
        return total


BUSY = BusyIntervals()
