"""Whether a run the store's log shows ``RUNNING`` is still running (``tilts status``).

A run killed with SIGKILL (or a machine that lost power) never writes its end: its row stays
``RUNNING``. ``tilts status`` shows such a run as ``CRASHED`` when

- its process (pid, host and start time, recorded by ``store.ops.start_run``) is on this host
  and no longer exists, or
- it is a sync (which holds the store's run lock from start to end, ``store/runlock.py``) and
  nobody holds that lock now — this also covers a run started on another host.

Nothing is written: the next run of the same flow makes the row history, and what the crashed
run did not commit is fetched again by the next run (cursors move only after commits).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from typing import Any

from tilts.store.ops import process_start

SYNC_FLOWS = frozenset({"nightly_sync", "nightly_fanout", "sync_population", "sync_disability",
                        "sync_income", "sync_employment", "sync_property"})  # fmt: skip
CRASHED = "CRASHED"


def process_alive(process: dict[str, Any]) -> bool | None:
    """Whether the recorded process still runs; ``None`` when it ran on another host."""
    if process.get("host") != socket.gethostname():
        return None
    pid = int(process.get("pid") or 0)
    if pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, another user's
    started = process.get("start")
    return started is None or process_start(pid) in (None, started)


def shown_outcome(
    flow: str, outcome: str, figures: dict[str, Any] | None, lock_free: Callable[[], bool]
) -> str:
    """The outcome ``tilts status`` shows: ``CRASHED`` for a ``RUNNING`` row whose process is
    gone (see the module docstring), else the stored one."""
    if outcome != "RUNNING":
        return outcome
    alive = process_alive((figures or {}).get("process") or {})
    if alive is False:
        return CRASHED
    if flow in SYNC_FLOWS and lock_free():
        return CRASHED
    return outcome
