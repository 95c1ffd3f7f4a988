"""The one retry layer for registry calls.

Connectors retry a single call (connection errors, timeouts, 429, 502/503/504,
``Server.Unavailable``) with bounded exponential backoff and full jitter; ``Retry-After`` wins
over the computed delay. Prefect task retries are NOT configured on top (they would multiply
attempts); a task that still fails reports its chunk as failed and the next run picks it up.
Which outcomes are retriable is the status table's decision (``connectors/statuses.py``); the
policy's defaults are the settings model's (``GatewaySettings``), never numbers of its own.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tilts.kernel.config import GatewaySettings
from tilts.kernel.errors import RateLimitedError, RetriableError, UnreachableError

T = TypeVar("T")
_DEFAULT = GatewaySettings.model_fields  # the one place of the defaults


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts and how long to wait between them."""

    max_attempts: int = _DEFAULT["max_attempts"].default
    base_s: float = _DEFAULT["backoff_base_s"].default
    max_s: float = _DEFAULT["backoff_max_s"].default
    retry_after_max_s: float = _DEFAULT["retry_after_max_s"].default

    @classmethod
    def of(cls, settings: GatewaySettings) -> RetryPolicy:
        """The policy a gateway's settings configure."""
        return cls(
            settings.max_attempts,
            settings.backoff_base_s,
            settings.backoff_max_s,
            settings.retry_after_max_s,
        )

    def delay(self, attempt: int, error: RetriableError) -> float:
        """Seconds to wait after failed ``attempt`` (1-based)."""
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            return min(float(error.retry_after), max(self.max_s, self.retry_after_max_s))
        ceiling = min(self.max_s, self.base_s * (2 ** (attempt - 1)))
        return random.uniform(0, ceiling)


@dataclass
class RetryStats:
    """Counters a run reports: calls retried and 429s honoured."""

    retries: int = 0
    rate_limited: int = 0


def call_with_retry(
    fn: Callable[[int], T],
    policy: RetryPolicy,
    stats: RetryStats | None = None,
    on_rate_limited: Callable[[float], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``fn(attempt)`` until it returns, retrying only :class:`RetriableError`.

    Raises:
        UnreachableError: when the last attempt still failed retriably (chained).
        TiltsError: any non-retriable error from ``fn`` unchanged.
    """
    attempt = 1
    while True:
        try:
            return fn(attempt)
        except RetriableError as exc:
            if attempt >= policy.max_attempts:
                raise UnreachableError(f"gave up after {attempt} attempts: {exc}") from exc
            wait = policy.delay(attempt, exc)
            if stats is not None:
                stats.retries += 1
                if isinstance(exc, RateLimitedError):
                    stats.rate_limited += 1
            if isinstance(exc, RateLimitedError) and on_rate_limited is not None:
                on_rate_limited(wait)
            sleep(wait)
            attempt += 1
