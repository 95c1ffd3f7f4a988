"""Client-side rate limiting: a thread-safe token bucket per service operation family."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    """Token bucket: at most ``rate_per_s`` acquisitions per second, bursts up to ``burst``.

    The connector keeps under each service's published rate on its own (registries.md §1.4),
    so a 429 is the exception, not the pacing mechanism. Both numbers come from the settings
    (``services.<name>.rate_per_s``, ``gateway.rate_burst_s``: :meth:`of`); none is defaulted here.
    """

    def __init__(self, rate_per_s: float, burst: float) -> None:
        self.rate = rate_per_s
        self.capacity = burst
        self._tokens = self.capacity
        self._last = time.monotonic()
        self._lock = threading.Lock()
        self.waited_s = 0.0

    @classmethod
    def of(cls, rate_per_s: float, burst_s: float) -> RateLimiter:
        """A bucket letting ``burst_s`` seconds' worth of its rate go at once (at least one)."""
        return cls(rate_per_s, max(1.0, rate_per_s * burst_s))

    def acquire(self) -> float:
        """Take one token, sleeping as long as needed; returns the seconds waited."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1.0
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
            self.waited_s += wait
        if wait > 0:
            time.sleep(wait)
        return wait

    def penalise(self, seconds: float) -> None:
        """After a 429, stop everyone sharing this bucket for ``seconds``."""
        with self._lock:
            self._tokens = min(self._tokens, -seconds * self.rate)
