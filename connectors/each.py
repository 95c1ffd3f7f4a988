"""One call per person, run concurrently: the batch query of a registry whose contract answers
one person per call (UR's ``GET natural-person/{personCode}``, property.md §4).

:func:`ask_each` takes a chunk's codes and asks each on its own, ``concurrency`` calls in
flight, every call through the client's one loop (``connectors/base.py``): the gateway's shared
rate limiter of the family paces them, the one retry layer retries each, and each call has its
own audit row (batch size 1). The answer is a :class:`~tilts.connectors.batch.Batch` like a
batch service's: one result per answered code in request order, so the syncs see per-person
results whatever the wire. A person whose own answer breaks the contract (or a record rule) is
listed in ``Batch.failed`` and quarantined by the sync alone; any other error (unreachable
after retries, refused token or scope) stops the calls not yet started and is raised, failing
the chunk as a batch service's error does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tilts.connectors.batch import Batch
from tilts.kernel.errors import ContractError, RecordError

Result = dict[str, Any]


def ask_each(codes: Sequence[str], concurrency: int, ask: Callable[[str], Result]) -> Batch:
    """Call ``ask(code)`` for every code, at most ``concurrency`` at once (the rate limit is the
    client's); results in request order, contract failures in ``failed``."""
    stop = threading.Event()
    first: list[BaseException] = []

    def guarded(code: str) -> tuple[str, Result | None, Exception | None]:
        if stop.is_set():
            return code, None, None
        try:
            return code, ask(code), None
        except (ContractError, RecordError) as exc:
            return code, None, exc
        except Exception as exc:
            stop.set()
            first.append(exc)
            return code, None, None

    if concurrency <= 1 or len(codes) <= 1:
        outcomes = [guarded(c) for c in codes]
    else:
        with ThreadPoolExecutor(max_workers=min(concurrency, len(codes))) as pool:
            outcomes = list(pool.map(guarded, codes))
    if first:
        raise first[0]
    results = [r for _, r, _ in outcomes if r is not None]
    failed = tuple((c, e) for c, _, e in outcomes if e is not None)
    return Batch(results, failed=failed)
