"""Lanes: the chunk tasks of several services run side by side, a few in flight per service.

Each service is a lane: an iterator of ("submit the next chunk", chunk) pairs. :func:`run_lanes`
keeps at most ``depth`` chunks of every lane submitted to the flow's task runner, lanes
interleaved, and hands each finished future to ``on_done`` as soon as it finishes. So one
service's rate limit or outage never holds back another, and the flow never holds more than
``depth`` chunks per lane in memory, however large the caseload (a chunk's parameters are a
span of subject ids, not the ids themselves).
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

from prefect.futures import PrefectFuture

from tilts.flows.work.chunks import Chunk

Submit = Callable[[], PrefectFuture[Any]]
Lane = Iterator[tuple[Submit, Chunk]]
OnDone = Callable[[str, Chunk, PrefectFuture[Any]], None]


def _put(
    finished: queue.Queue[tuple[str, Chunk, PrefectFuture[Any]]],
    name: str,
    chunk: Chunk,
    future: PrefectFuture[Any],
) -> None:
    finished.put((name, chunk, future))


def run_lanes(lanes: Mapping[str, Lane], on_done: OnDone, depth: int = 2) -> None:
    """Run every lane to its end; ``on_done(lane, chunk, future)`` is called once per chunk."""
    finished: queue.Queue[tuple[str, Chunk, PrefectFuture[Any]]] = queue.Queue()
    in_flight = dict.fromkeys(lanes, 0)

    def top_up(name: str) -> None:
        while in_flight[name] < depth:
            item = next(lanes[name], None)
            if item is None:
                return
            submit, chunk = item
            future = submit()
            in_flight[name] += 1
            future.add_done_callback(partial(_put, finished, name, chunk))

    for name in lanes:
        top_up(name)
    while any(in_flight.values()):
        name, chunk, future = finished.get()
        in_flight[name] -= 1
        on_done(name, chunk, future)
        top_up(name)
