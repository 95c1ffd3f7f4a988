"""``nightly_sync``: the population register and the four per-person registries side by
side, then the re-assessment flags (``flows.reassess``) of every municipality, then the
notification delivery, in one flow run.

PMLP monitoring and the change feed come first (a few calls); then the chunk tasks of every
service run side by side as lanes (``flows.lanes``), each keeping to its own rate limit, so
one slow or failing service does not hold back or stop the others and the night is bound by
the slowest service rather than by the sum. A code PMLP changes tonight is still understood
by the registries asked in parallel (they answer an old code; the store resolves every code a
person had). The summary artifact says exactly what failed and what the next run will retry.
"""

from __future__ import annotations

import time
from datetime import date
from functools import partial
from typing import Any

from prefect import flow
from prefect.futures import PrefectFuture
from prefect.task_runners import ThreadPoolTaskRunner

from tilts.flows.lanes import Lane, run_lanes
from tilts.flows.naming import flow_run_name
from tilts.flows.notify import deliver_after_sync
from tilts.flows.reassess import run_reassess
from tilts.flows.reporting import Progress, begin, conclude, publish, refused
from tilts.flows.runtime import close_runtime, get_runtime, open_runtime
from tilts.flows.sync_population import PopulationNight, plan_population
from tilts.flows.sync_registries import RegistryNight, plan_registries
from tilts.flows.work.chunks import DEFAULT_CHUNK, Chunk
from tilts.kernel.clock import day_or_today
from tilts.kernel.errors import RunLocked, TiltsError
from tilts.kernel.logsafe import scrub
from tilts.registries import per_person

SERVICES = per_person("nightly_sync")  # the per-person lanes beside PMLP's
LANE_DEPTH = 2  # chunks in flight per service: one fetching while the other commits


@flow(
    name="nightly_sync",
    flow_run_name=flow_run_name("nightly"),
    task_runner=ThreadPoolTaskRunner(max_workers=LANE_DEPTH * (1 + len(SERVICES))),  # type: ignore[arg-type]
)
def nightly_sync(
    municipality: str | None = None, full: bool = False, chunk_size: int = DEFAULT_CHUNK,
    config_path: str | None = None, as_of: str | None = None, backfill: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """The nightly sync of every configured municipality (or one); ``as_of`` is the run's
    day, and with ``backfill`` the date the registries are asked about (docs/operations.md)."""
    started = time.monotonic()
    try:
        rt = open_runtime("nightly_sync", config_path, lock=True)
    except RunLocked as exc:  # another sync on this store: this one does not start
        return refused(exc)
    if backfill:  # ``tilts sync --as-of``: everyone, PMLP asked as of that date too
        rt.as_of, full = as_of, True
    try:
        day = day_or_today(as_of)
        begin(rt, municipality)
        for muni in rt.municipalities(municipality):
            try:
                night_of(rt.key, muni.atvk, full, chunk_size, day)
            except TiltsError as exc:
                rt.figures.failures.append(f"{muni.atvk}: {type(exc).__name__}: {exc}")
                rt.figures.will_retry.append(f"{muni.atvk}: pmlp, {', '.join(SERVICES)}")
        for muni in rt.municipalities(municipality) if not backfill else ():
            run_reassess(rt.key, muni.atvk, day)
        publish(rt, time.monotonic() - started)
        # operations.md §5: notification delivery right after the nightly sync (own summary);
        # a backfill only fetches: no re-assessment of a past day, nothing to deliver
        if not backfill:
            deliver_after_sync(municipality, config_path)
        return conclude(rt)  # Failed when a service failed after its retries (spec §7)
    finally:
        close_runtime(rt)


def night_of(key: str, atvk: str, full: bool, chunk_size: int, day: date) -> None:
    """One municipality's night: every service's chunks as lanes, then each part's end."""
    population: PopulationNight | None = None
    try:
        population = plan_population(key, atvk, full, chunk_size)
    except TiltsError as exc:
        # The change feed failed (a DTD, a dead feed): PMLP waits for the next night, the
        # registries without a change feed go on with their refresh turn (issue 18).
        fig = get_runtime(key).figures
        fig.failures.append(f"{atvk} pmlp change feed: {type(exc).__name__}: {scrub(str(exc))}")
        fig.will_retry.append(f"{atvk} pmlp: the change feed from its cursor, then the population")
    changed = sorted(population.changed or ()) if population else []  # empty when full
    registries = plan_registries(key, atvk, SERVICES, chunk_size, day, full, changed)
    pmlp_size = sum(c.size for c in population.chunks) if population else 0
    progress = Progress(pmlp_size + registries.persons)
    lanes: dict[str, Lane] = {"pmlp": population.lane()} if population else {}
    lanes.update(registries.lanes())
    run_lanes(lanes, partial(_done, population, registries, progress), LANE_DEPTH)
    if population is not None:
        population.finish()
    registries.finish()


def _done(
    population: PopulationNight | None,
    registries: RegistryNight,
    progress: Progress,
    lane: str,
    chunk: Chunk,
    future: PrefectFuture[Any],
) -> None:
    part = population if lane == "pmlp" and population is not None else registries
    part.done(lane, chunk, future, progress)
