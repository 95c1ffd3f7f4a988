"""A total deadline per call: connect and read timeouts bound each wait for a byte, not the
call, so a server trickling a byte a second keeps a call alive for ever (issue 18).

:func:`within` runs one HTTP exchange on a daemon thread and gives up on it when the deadline
passes (``gateway.call_deadline_s``): the caller gets :class:`DeadlineExceeded`, a transport
row of the status table (``connectors/statuses.py`` ``Transport.DEADLINE``, retried like a read
timeout), and goes on; the abandoned exchange ends when the server stops or its connection
breaks, and can never hold the process at exit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class DeadlineExceeded(Exception):
    """No complete answer within the call deadline; the status table says what it means."""


def within(deadline_s: float, what: str, fn: Callable[[], T]) -> T:
    """``fn()``, or :class:`DeadlineExceeded` when it has not returned within ``deadline_s``."""
    outcome: list[tuple[bool, object]] = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append((True, fn()))
        except BaseException as exc:  # handed to the caller below
            outcome.append((False, exc))
        finally:
            done.set()

    threading.Thread(target=run, name="tilts-call", daemon=True).start()
    if not done.wait(deadline_s):
        raise DeadlineExceeded(
            f"{what}: no complete answer within the call deadline of {deadline_s:g} s"
        )
    ok, value = outcome[0]
    if not ok:
        assert isinstance(value, BaseException)
        raise value
    return value  # type: ignore[return-value]
