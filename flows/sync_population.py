"""``sync_population``: keep PMLP facts of every open-case subject current (registries.md §2).

register monitoring → read the change feed from the stored cursor → fetch full records of the
changed persons in chunks → validate, quarantine, upsert → advance the cursor only after every
chunk's data is committed. ``full`` re-fetches everyone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.utilities.annotations import quote

from tilts.flows.lanes import Lane, run_lanes
from tilts.flows.naming import atvk_task_name, chunk_task_name, flow_run_name
from tilts.flows.reporting import Progress, begin, publish, refused
from tilts.flows.runtime import close_runtime, get_runtime, open_runtime
from tilts.flows.work import population as work
from tilts.flows.work.chunks import DEFAULT_CHUNK, Chunk, Planner, span_chunks, subject_pages
from tilts.kernel.errors import RunLocked, TiltsError
from tilts.kernel.timing import BUSY


@task(name="pmlp-monitoring", task_run_name=atvk_task_name("pmlp monitoring"),
      cache_policy=NO_CACHE, persist_result=False)  # fmt: skip
def monitoring_task(key: str, atvk: str) -> dict[str, int]:
    with BUSY.busy():
        return work.sync_monitoring(get_runtime(key), atvk)


@task(name="pmlp-changes", task_run_name=atvk_task_name("pmlp change feed"),
      cache_policy=NO_CACHE, persist_result=False)  # fmt: skip
def changes_task(key: str, atvk: str) -> tuple[list[int], str | None, int]:
    with BUSY.busy():
        return work.read_changes(get_runtime(key), atvk)


@task(name="pmlp-fetch-chunk", task_run_name=chunk_task_name("pmlp"), cache_policy=NO_CACHE,
      persist_result=False)  # fmt: skip
def fetch_chunk_task(
    key: str, atvk: str, chunk: Chunk, changed: frozenset[int] | None
) -> dict[str, int]:
    with BUSY.busy():
        try:
            return work.fetch_chunk(get_runtime(key), atvk, chunk, changed)
        finally:
            get_runtime(key).audit.flush()


@dataclass
class PopulationNight:
    """The population part of a run for one municipality: its chunks, lane, tally and end."""

    key: str
    atvk: str
    chunks: list[Chunk]
    changed: frozenset[int] | None  # None: everyone (``--full``)
    cursor: str | None
    monitoring: PrefectFuture[dict[str, int]]
    failed: int = 0

    def lane(self) -> Lane:
        """Submit one chunk task per chunk (see :func:`flows.lanes.run_lanes`)."""
        for chunk in self.chunks:
            submit = partial(
                fetch_chunk_task.submit, self.key, self.atvk, quote(chunk), quote(self.changed)
            )
            yield submit, chunk

    def done(
        self, _lane: str, chunk: Chunk, future: PrefectFuture[dict[str, int]], progress: Progress
    ) -> None:
        """Add one finished chunk's figures (a failed chunk is retried by the next run)."""
        fig = get_runtime(self.key).figures
        size = chunk.size
        try:
            res = future.result()
        except TiltsError as exc:
            self.failed += 1
            fig.chunk_failed(f"{self.atvk} pmlp chunk of {size}", exc, f"{self.atvk} pmlp")
            progress.advance(size)  # finished, if badly: the bar still reaches its end
            return
        fig.persons_considered += res["persons"]
        fig.add_chunk(res, f"{self.atvk} pmlp")
        progress.advance(size)

    def finish(self) -> None:
        """Advance the change-feed cursor only when monitoring and every chunk committed."""
        rt = get_runtime(self.key)
        try:
            self.monitoring.result()
        except TiltsError as exc:
            self.failed += 1
            rt.figures.failures.append(f"{self.atvk} pmlp monitoring: {type(exc).__name__}: {exc}")
        if self.failed:
            rt.figures.will_retry.append(
                f"{self.atvk} pmlp: {self.failed} chunk(s) and the change feed from the cursor"
            )
            return
        if rt.as_of:  # a backfill (``--as-of``) never moves the change feed's cursor
            return
        with BUSY.busy():
            work.commit_cursor(rt, self.atvk, self.cursor)


def plan_population(key: str, atvk: str, full: bool, chunk_size: int) -> PopulationNight:
    """Monitoring (in the background), the change feed (a few calls), the chunks: spans of
    the subjects, in which each task fetches everyone (``full``) or the persons the feed named
    and those never fetched (a new case cannot be announced by the feed).

    Registration does not gate the fetch: a person registered tonight is fetched in full as
    never fetched, and the feed only speaks of persons registered before.
    """
    rt = get_runtime(key)
    monitoring = monitoring_task.submit(key, atvk)
    changed, cursor, _duplicates = changes_task(key, atvk)
    todo = None if full else frozenset(changed)
    with BUSY.busy():
        if todo is None:
            chunks = span_chunks(rt, atvk, chunk_size)
        else:
            planner = Planner(chunk_size)
            for s, after, page in subject_pages(rt, atvk, chunk_size):
                never = set(work.unfetched(s, page))
                planner.add(after, page, [p for p in page if p in todo or p in never])
            chunks = planner.finish()
    return PopulationNight(key, atvk, chunks, todo, cursor, monitoring)


def run_population(key: str, atvk: str, full: bool, chunk_size: int) -> None:
    """The body of the flow for one municipality."""
    night = plan_population(key, atvk, full, chunk_size)
    progress = Progress(sum(c.size for c in night.chunks))
    run_lanes({"pmlp": night.lane()}, partial(night.done, progress=progress))
    night.finish()


@flow(name="sync_population", flow_run_name=flow_run_name("population"))
def sync_population(
    municipality: str | None = None,
    full: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
    config_path: str | None = None,
    as_of: str | None = None,
    backfill: bool = False,
) -> dict[str, Any]:
    """Sync the population register for one or every configured municipality; ``as_of``
    (a backfill) asks PMLP for everyone as it knew them on that date."""
    started = time.monotonic()
    try:
        rt = open_runtime("sync_population", config_path, lock=True)
    except RunLocked as exc:  # another sync on this store: this one does not start
        return refused(exc)
    if backfill and as_of:
        rt.as_of, full = as_of, True
    try:
        begin(rt, municipality)
        for muni in rt.municipalities(municipality):
            try:
                run_population(rt.key, muni.atvk, full, chunk_size)
            except TiltsError as exc:
                rt.figures.failures.append(f"{muni.atvk} pmlp: {type(exc).__name__}: {exc}")
                rt.figures.will_retry.append(f"{muni.atvk} pmlp: the whole sync")
        publish(rt, time.monotonic() - started)
        return rt.figures.as_dict()
    finally:
        close_runtime(rt)
