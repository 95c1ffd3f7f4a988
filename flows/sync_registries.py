"""``sync_disability``, ``sync_income`` (VSAA and VID) and ``sync_employment``.

Each fetches the facts of every open-case subject from its registries in chunks — one Prefect
task per chunk — validates, quarantines the bad, stores the rest. Monthly sources re-fetch the
months not yet complete and the last three full months; the month a source says it is
complete through is remembered only after every chunk committed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.utilities.annotations import quote

from tilts.flows.lanes import Lane, run_lanes
from tilts.flows.naming import chunk_task_name, flow_run_name
from tilts.flows.reporting import Progress, begin, publish, refused
from tilts.flows.runtime import close_runtime, get_runtime, open_runtime
from tilts.flows.work import registries as work
from tilts.flows.work.chunks import DEFAULT_CHUNK, Chunk, Planner, subject_pages
from tilts.flows.work.registry_syncs import Window
from tilts.kernel.clock import day_or_today
from tilts.kernel.errors import RunLocked, TiltsError
from tilts.kernel.timing import BUSY
from tilts.registries import per_person


@task(name="registry-chunk", task_run_name=chunk_task_name(), cache_policy=NO_CACHE,
      persist_result=False)  # fmt: skip
def registry_chunk_task(
    key: str, atvk: str, service: str, chunk: Chunk, window: dict[str, Any]
) -> dict[str, Any]:
    rt = get_runtime(key)
    with BUSY.busy():
        try:
            return work.fetch_chunk(rt, atvk, service, chunk, Window.from_param(window))
        finally:
            rt.audit.flush()


@dataclass
class RegistryNight:
    """The per-person registries of a run for one municipality: lanes, tally and end."""

    key: str
    atvk: str
    chunks: dict[str, list[Chunk]]  # by service
    windows: dict[str, dict[str, Any]]
    failed: dict[str, int] = field(default_factory=dict)
    complete: dict[str, set[str]] = field(default_factory=dict)

    @property
    def persons(self) -> int:
        """Persons planned over every service: the work the progress bar counts."""
        return sum(c.size for chunks in self.chunks.values() for c in chunks)

    def lanes(self) -> dict[str, Lane]:
        """One lane per service, each submitting one chunk task per chunk."""
        return {service: self._lane(service, w) for service, w in self.windows.items()}

    def _lane(self, service: str, w: dict[str, Any]) -> Lane:
        for chunk in self.chunks[service]:
            submit = partial(
                registry_chunk_task.submit, self.key, self.atvk, service, quote(chunk), quote(w)
            )
            yield submit, chunk

    def done(
        self, service: str, chunk: Chunk, future: PrefectFuture[dict[str, Any]], progress: Progress
    ) -> None:
        """Add one finished chunk's figures; a chunk failure is that chunk's alone."""
        fig = get_runtime(self.key).figures
        try:
            res = future.result()
        except Exception as exc:
            self.failed[service] = self.failed.get(service, 0) + 1
            where = f"{self.atvk} {service} chunk of {chunk.size}"
            fig.chunk_failed(where, exc, f"{self.atvk} {service}")
            progress.advance(chunk.size)  # finished, if badly: the bar still reaches its end
            return
        fig.add_chunk(res, f"{self.atvk} {service}")
        if res["complete_through"]:
            self.complete.setdefault(service, set()).add(res["complete_through"])
        progress.advance(chunk.size)

    def finish(self) -> None:
        """Remember the month each monthly source is complete through, if no chunk failed."""
        rt = get_runtime(self.key)
        for service, count in self.failed.items():
            rt.figures.will_retry.append(f"{self.atvk} {service}: {count} chunk(s) in the next run")
        for service, window in self.windows.items():
            if service not in self.failed:
                months = self.complete.get(service)
                with BUSY.busy():
                    work.commit_complete_through(
                        rt, self.atvk, service, min(months) if months else None, window["full"]
                    )


def plan_registries(
    key: str, atvk: str, services: tuple[str, ...], chunk_size: int, as_of: date,
    full: bool, changed: Sequence[int] = (),
) -> RegistryNight:  # fmt: skip
    """What each service is asked (``full``: everyone; else the persons due by the refresh
    policy, ``changed`` always) and in which chunks: one pass over the subjects' pages."""
    rt = get_runtime(key)
    with BUSY.busy():
        windows = {s: work.window(rt, atvk, s, as_of, full, changed) for s in services}
        planners = {s: Planner(chunk_size) for s in services}
        for s, after, page in subject_pages(rt, atvk, chunk_size):
            asked = page if all(w.full for w in windows.values()) else work.answerable(s, page)
            for service, w in windows.items():
                planners[service].add(after, page, work.due(s, service, asked, w))
    chunks = {service: planner.finish() for service, planner in planners.items()}
    params = {service: w.to_param() for service, w in windows.items()}
    return RegistryNight(key, atvk, chunks, params)


def run_services(
    key: str,
    municipality: str | None,
    services: tuple[str, ...],
    chunk_size: int,
    as_of: str | None,
    full: bool = False,
) -> dict[str, Any]:
    """Body shared by the three flows: every municipality, every service, chunked."""
    started = time.monotonic()
    rt = get_runtime(key)
    day = day_or_today(as_of)
    begin(rt, municipality)
    for muni in rt.municipalities(municipality):
        try:
            night = plan_registries(key, muni.atvk, services, chunk_size, day, full)
            rt.figures.persons_considered += max(
                (sum(c.size for c in chunks) for chunks in night.chunks.values()), default=0
            )
            progress = Progress(night.persons)
            run_lanes(night.lanes(), partial(night.done, progress=progress))
            night.finish()
        except TiltsError as exc:
            rt.figures.failures.append(f"{muni.atvk}: {type(exc).__name__}: {exc}")
            rt.figures.will_retry.append(f"{muni.atvk}: {', '.join(services)} in the next run")
    publish(rt, time.monotonic() - started)
    return rt.figures.as_dict()


def _run(
    name: str, municipality: str | None, full: bool, chunk_size: int, config_path: str | None,
    as_of: str | None,
) -> dict[str, Any]:  # fmt: skip
    services = per_person(name)  # the registries whose descriptors name this flow
    try:
        rt = open_runtime(name, config_path, lock=True)
    except RunLocked as exc:  # another sync on this store: this one does not start
        return refused(exc)
    try:
        return run_services(rt.key, municipality, services, chunk_size, as_of, full)
    finally:
        close_runtime(rt)


@flow(name="sync_disability", flow_run_name=flow_run_name("disability"))
def sync_disability(
    municipality: str | None = None, full: bool = False, chunk_size: int = DEFAULT_CHUNK,
    config_path: str | None = None, as_of: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Disability decisions (VDEĀVK) of every open-case subject."""
    return _run("sync_disability", municipality, full, chunk_size, config_path, as_of)


@flow(name="sync_income", flow_run_name=flow_run_name("income"))
def sync_income(
    municipality: str | None = None, full: bool = False, chunk_size: int = DEFAULT_CHUNK,
    config_path: str | None = None, as_of: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Pensions and benefits (VSAA) and employment income (VID) of every open-case subject."""
    return _run("sync_income", municipality, full, chunk_size, config_path, as_of)


@flow(name="sync_employment", flow_run_name=flow_run_name("employment"))
def sync_employment(
    municipality: str | None = None, full: bool = False, chunk_size: int = DEFAULT_CHUNK,
    config_path: str | None = None, as_of: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Unemployment status (NVA) of every open-case subject."""
    return _run("sync_employment", municipality, full, chunk_size, config_path, as_of)
