"""``reassess``: flag households whose status no longer fits the facts (assessment.md §4).

Recomputes, one Prefect task per chunk of households, the households holding a valid status
whose members' facts changed since the last run, and flags those that no longer fit (see
:mod:`flows.work.reassess`). It never revokes or changes a decision. ``nightly_sync`` runs the
same body at its end, inside its own flow run; this flow is for a re-run on its own. When the
rules changed since the last run, the months already granted are recomputed and flagged
``RECALCULATION_DUE`` (:mod:`flows.work.recalculation`).
"""

from __future__ import annotations

import time
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from tilts.flows.context import NightContext, night_context
from tilts.flows.naming import atvk_task_name, flow_run_name
from tilts.flows.reporting import Progress, begin, publish
from tilts.flows.runtime import Runtime, close_runtime, get_runtime, open_runtime
from tilts.flows.work import reassess as work
from tilts.flows.work import recalculation
from tilts.flows.work.batching import batches
from tilts.kernel.clock import day_or_today
from tilts.kernel.errors import TiltsError

CHUNK_SIZE = 500


@task(name="reassess-chunk", task_run_name=atvk_task_name("reassess"), cache_policy=NO_CACHE,
      persist_result=False)  # fmt: skip
def reassess_chunk_task(night: NightContext, household_ids: list[int]) -> dict[str, Any]:
    return work.reassess_chunk(get_runtime(night.key), night, household_ids)


def run_reassess(
    rt: Runtime, night: NightContext, chunk_size: int = CHUNK_SIZE, count_persons: bool = False
) -> None:
    """Re-assess one municipality's changed households; the cursor moves only if all committed.

    Args:
        count_persons: add the members re-assessed to ``persons_considered`` (the nightly
            already counts its sync subjects there).
    """
    fig, atvk = rt.figures, night.atvk
    try:
        plan = work.plan(rt, night)
        submitted = [
            (len(chunk), reassess_chunk_task.submit(night, chunk))
            for chunk in batches(plan.households, chunk_size)
        ]
    except Exception as exc:  # the re-assessment never stops the nightly's other work
        retry = f"{atvk} reassess: every changed household in the next run"
        fig.failed(f"{atvk} reassess", exc, retry=retry)
        return
    failed = 0
    progress = Progress(len(plan.households), unit="households")
    for size, future in submitted:
        try:
            res = future.result()
        except Exception as exc:  # a chunk failure is that chunk's: the others go on
            failed += 1
            fig.failed(f"{atvk} reassess chunk of {size}", exc)
            continue
        progress.advance(size)
        fig.households_flagged += res["households_flagged"]
        fig.households_unassessable += res.get("unassessable", 0)
        for line in res.get("cannot_assess", []):
            fig.failed(f"{atvk} reassess", line)
        if count_persons:
            fig.persons_considered += res["persons"]
    if failed:
        fig.will_retry.append(f"{atvk} reassess: {failed} chunk(s) in the next run")
    else:
        work.commit_cursor(rt, night, plan.mark)
    try:  # retroactive rule changes: only when the rules differ from the last run's
        recalculated = recalculation.recalculate(rt, night, work.rules_for(rt.settings))
        fig.households_flagged += recalculated["flags"]
    except Exception as exc:
        fig.failed(f"{atvk} recalculation", exc, retry=f"{atvk} recalculation: in the next run")


@flow(
    name="reassess",
    flow_run_name=flow_run_name("reassess"),
    task_runner=ThreadPoolTaskRunner(max_workers=2),  # type: ignore[arg-type]
)
def reassess(
    municipality: str | None = None, chunk_size: int = CHUNK_SIZE,
    config_path: str | None = None, as_of: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Flag households of every configured municipality (or one) whose status no longer fits."""
    started = time.monotonic()
    rt = open_runtime("reassess", config_path)
    day = day_or_today(as_of)
    try:
        begin(rt, municipality)
        for muni in rt.municipalities(municipality):
            try:
                night = night_context(rt, muni.atvk, day)
            except TiltsError as exc:
                rt.figures.failed(f"{muni.atvk} reassess", exc)
                continue
            run_reassess(rt, night, chunk_size, count_persons=True)
        publish(rt, time.monotonic() - started)
        return rt.figures.as_dict()
    finally:
        close_runtime(rt)
