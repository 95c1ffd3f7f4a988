"""The gateway's rate limits (registries.md §1.4): a token bucket per client and operation."""

from __future__ import annotations

import time


class RateLimiter:
    """Token buckets per (client, service, operation): ``rate`` calls/s, burst of one second."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._buckets: dict[tuple[str, str, str], tuple[float, float]] = {}

    def take(self, key: tuple[str, str, str], rate: float) -> float | None:
        """Take one call; ``None`` if allowed, else the seconds until one is available."""
        if not self.enabled:
            return None
        now = time.monotonic()
        capacity = max(1.0, rate)
        tokens, last = self._buckets.get(key, (capacity, now))
        tokens = min(capacity, tokens + (now - last) * rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return None
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / rate

    def reset(self) -> None:
        self._buckets.clear()
