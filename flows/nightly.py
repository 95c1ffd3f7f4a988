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
from typing import Any

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner

from tilts.flows.context import NightContext, night_context
from tilts.flows.lanes import run_night
from tilts.flows.naming import flow_run_name
from tilts.flows.notify import deliver_after_sync
from tilts.flows.reassess import run_reassess
from tilts.flows.reporting import begin, conclude, publish, refused
from tilts.flows.runtime import close_runtime, open_runtime
from tilts.flows.work.chunks import DEFAULT_CHUNK
from tilts.flows.work.tonight import POPULATION
from tilts.kernel.clock import day_or_today
from tilts.kernel.errors import RunLocked, TiltsError
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
    back = as_of if backfill else None  # ``tilts sync --as-of``: everyone, PMLP as of then too
    try:
        day = day_or_today(as_of)
        begin(rt, municipality)
        nights: list[NightContext] = []
        for muni in rt.municipalities(municipality):
            try:
                night = night_context(rt, muni.atvk, day, full or backfill, chunk_size, back)
                nights.append(night)
                run_night(rt, night, (POPULATION, *SERVICES), LANE_DEPTH)
            except TiltsError as exc:
                retry = f"{muni.atvk}: pmlp, {', '.join(SERVICES)}"
                rt.figures.failed(muni.atvk, exc, retry=retry)
        for night in nights if not backfill else ():
            run_reassess(rt, night)
        publish(rt, time.monotonic() - started)
        # operations.md §5: notification delivery right after the nightly sync (own summary);
        # a backfill only fetches: no re-assessment of a past day, nothing to deliver
        if not backfill:
            deliver_after_sync(municipality, config_path)
        return conclude(rt)  # Failed when a service failed after its retries (spec §7)
    finally:
        close_runtime(rt)
