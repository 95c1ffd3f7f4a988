"""The in-process executor of a night: each lane's chunk tasks side by side, a few in flight.

Each lane is an iterator of ("submit the next chunk", chunk) pairs. :func:`run_lanes` keeps at
most ``depth`` chunks of every lane submitted to the flow's task runner, lanes interleaved,
and hands each finished future to ``on_done`` as soon as it finishes. So one service's rate
limit or outage never holds back another, and the flow never holds more than ``depth`` chunks
per lane in memory, however large the caseload (a chunk's parameters are a span of subject
ids, not the ids themselves). :func:`run_night` runs one municipality's night this way:
``flows/night.py`` ``begin_night`` plans it, the settlement tallies and ends it.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from typing import Any

from prefect.futures import PrefectFuture

from tilts.flows.context import NightContext
from tilts.flows.night import begin_night, submit_chunk
from tilts.flows.reporting import Progress
from tilts.flows.runtime import Runtime
from tilts.flows.work.chunks import Chunk
from tilts.flows.work.registry_syncs import Window
from tilts.flows.work.settle import Settlement
from tilts.flows.work.tonight import POPULATION
from tilts.kernel.timing import BUSY

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


def _lane(night: NightContext, lane: str, chunks: list[Chunk], w: Window) -> Lane:
    for chunk in chunks:
        yield partial(submit_chunk, night, lane, chunk, w), chunk


def _done(
    settlement: Settlement, progress: Progress, lane: str, chunk: Chunk, future: PrefectFuture[Any]
) -> None:
    try:
        outcome: dict[str, Any] | BaseException = future.result()
    except Exception as exc:  # that chunk's alone; the next night asks its persons again
        outcome = exc
    settlement.done(lane, chunk.size, outcome)
    progress.advance(chunk.size)  # finished, if badly: the bar still reaches its end


def run_night(rt: Runtime, night: NightContext, lanes: Sequence[str], depth: int = 2) -> None:
    """One municipality's night in this process: plan, every lane's chunks, settle."""
    plan, settlement = begin_night(rt, night, lanes)
    with BUSY.busy():
        chunks = plan.lane_chunks(rt)
    sizes = {lane: sum(c.size for c in cs) for lane, cs in chunks.items()}
    if POPULATION not in plan.asks:  # no population: the most persons a registry was asked
        rt.figures.persons_considered += max(sizes.values(), default=0)
    progress = Progress(sum(sizes.values()))
    running = {lane: _lane(night, lane, chunks[lane], plan.asks[lane]) for lane in plan.asks}
    run_lanes(running, partial(_done, settlement, progress), depth)
    with BUSY.busy():
        settlement.finish()
