"""``nightly_sync``: population changes first, then disability, income and employment, then
the re-assessment flags (``flows.reassess``) of every municipality, in the same flow run.

The per-person registries run side by side (their chunk tasks share the flow's thread-pool
task runner; each registry keeps to its own rate limit), so one slow or failing service does
not hold back or stop the others. The summary artifact says exactly what failed and what the
next run will retry.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner

from flows.notify import deliver_after_sync
from flows.reassess import run_reassess
from flows.reporting import Progress, begin, publish
from flows.runtime import close_runtime, open_runtime
from flows.sync_population import run_population
from flows.sync_registries import collect, submit_registry_chunks
from flows.work import registries as work
from tilts.errors import TiltsError
from tilts.timing import BUSY

SERVICES = ("vdeavk", "vsaa", "vid", "nva")


@flow(name="nightly_sync", task_runner=ThreadPoolTaskRunner(max_workers=4))  # type: ignore[arg-type]
def nightly_sync(
    municipality: str | None = None, full: bool = False, chunk_size: int = 2000,
    config_path: str | None = None, as_of: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The nightly sync of every configured municipality (or one)."""
    started = time.monotonic()
    rt = open_runtime("nightly_sync", config_path)
    day = date.fromisoformat(as_of) if as_of else date.today()
    try:
        begin(rt, municipality)
        for muni in rt.municipalities(municipality):
            try:
                run_population(rt.key, muni.atvk, full, chunk_size)
            except TiltsError as exc:
                rt.figures.failures.append(f"{muni.atvk} pmlp: {type(exc).__name__}: {exc}")
                rt.figures.will_retry.append(f"{muni.atvk} pmlp: the whole population sync")
            try:
                with BUSY.busy():
                    subjects = work.subjects(rt, muni.atvk)
                progress = Progress(len(subjects) * len(SERVICES))
                submitted = [
                    item
                    for service in SERVICES
                    for item in submit_registry_chunks(
                        rt.key, muni.atvk, service, subjects, chunk_size, day
                    )
                ]
                collect(rt, muni.atvk, submitted, progress)
            except TiltsError as exc:
                rt.figures.failures.append(f"{muni.atvk}: {type(exc).__name__}: {exc}")
                rt.figures.will_retry.append(f"{muni.atvk}: {', '.join(SERVICES)}")
        for muni in rt.municipalities(municipality):
            run_reassess(rt.key, muni.atvk, day)
        publish(rt, time.monotonic() - started)
        # operations.md §5: notification delivery right after the nightly sync (own summary)
        deliver_after_sync(municipality, config_path)
        return rt.figures.as_dict()
    finally:
        close_runtime(rt)
