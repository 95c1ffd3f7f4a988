"""Named crash points for the crash-convergence tests (``tests/reliability_crash/``).

``TILTS_CRASH_AT=<name>[:<n>]`` makes the process kill itself with SIGKILL the ``n``-th time
(default the first) the work code passes :func:`crash_point` ``(<name>)``: no ``finally``, no
flush, no rollback, exactly like ``kill -9`` or a lost machine. Unset (always, outside the
tests) a call costs one environment lookup and does nothing. The names say where the work is:
``<system>.<step>``, e.g. ``pmlp.fetched`` (answers in memory, nothing committed) and
``pmlp.committed`` (the chunk committed, the cursor not yet advanced).
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter

ENV = "TILTS_CRASH_AT"
_HITS: Counter[str] = Counter()
_LOCK = threading.Lock()


def crash_point(name: str) -> None:
    """Kill this process here if ``TILTS_CRASH_AT`` names this point and this is its hit."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    target, _, nth = spec.partition(":")
    if target != name:
        return
    with _LOCK:
        _HITS[name] += 1
        hit = _HITS[name]
    if hit == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
        os._exit(137)  # not reached: SIGKILL cannot be caught
