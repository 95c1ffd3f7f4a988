"""``nightly_fanout`` and ``nightly_part``: the nightly sync spread over every worker of the
work pool (operations.md §6).

The two flows execute the same plan as ``nightly_sync`` and plan and settle nothing of their
own. The parent begins each municipality's night as the in-process nightly does
(``flows/night.py`` ``begin_night``: PMLP monitoring, the change feed, every lane's window),
cuts the open-case subjects into spans of ids, writes the chunk ledger
(``store/models_chunks.py``) and launches one ``nightly_part`` flow run per
chunk through its deployment (``run_deployment(..., timeout=0)``), so any worker of the pool
takes any chunk. A child claims its ledger row, reads its span's subjects from the store,
runs the nightly's chunk tasks on it — the population register first, then the four
per-person registries side by side, each asking those of the span that are due
(``flows/work/tonight.py`` ``who_is_due``) — tallies them with a
:class:`~tilts.flows.work.settle.Settlement` and records how it ended, on which worker. When
every child ended, the parent hands each ledger row to the night's settlement, which commits
the change-feed cursor and the complete-through marks of the lanes no chunk failed, exactly as
in ``nightly_sync``; then it re-assesses, delivers notifications and publishes one summary.

Flow-run parameters carry the run key, ATVK, chunk number, the span's bounds and size and the
internal ids in it the change feed named: a few numbers per chunk, no personal data.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import date
from typing import Any
from uuid import UUID

from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import FlowRun
from prefect.context import FlowRunContext
from prefect.deployments import run_deployment
from prefect.task_runners import ThreadPoolTaskRunner

from tilts.flows.context import NightContext, night_context
from tilts.flows.naming import flow_run_name, span
from tilts.flows.night import submit_chunk
from tilts.flows.notify import deliver_after_sync
from tilts.flows.reassess import run_reassess
from tilts.flows.reporting import Progress, begin, conclude, publish, refused
from tilts.flows.runtime import Runtime, close_runtime, open_runtime
from tilts.flows.work import fanout as work
from tilts.flows.work.chunks import Chunk
from tilts.flows.work.plan import NightPlan
from tilts.flows.work.registry_syncs import Window
from tilts.flows.work.settle import Settlement
from tilts.flows.work.tonight import POPULATION, ask
from tilts.kernel.clock import day_or_today
from tilts.kernel.errors import RunLocked, TiltsError
from tilts.kernel.logsafe import scrub
from tilts.kernel.timing import BUSY
from tilts.store.chunks import chunks_of, claim_chunk, finish_chunk, mark_lost

PART_DEPLOYMENT = "nightly_part/nightly-part"
WORKER_LABEL = "prefect.worker.name"  # set on the flow run by the worker that submits it
log = logging.getLogger("tilts.flows")


# --- the child: one span of one municipality ----------------------------------------------


def worker_identity() -> tuple[str, str]:
    """(worker name, host) of this flow run: the ``prefect.worker.name`` label the worker put
    on the run before starting it, else ``PREFECT__WORKER_NAME`` from the process environment
    the worker gave it, else ``local`` (run outside a worker)."""
    ctx = FlowRunContext.get()
    labels = dict(ctx.flow_run.labels) if ctx and ctx.flow_run else {}
    name = labels.get(WORKER_LABEL) or os.environ.get("PREFECT__WORKER_NAME") or "local"
    return str(name), socket.gethostname()


def _outcome(future: Any) -> dict[str, Any] | BaseException:
    try:
        result: dict[str, Any] = future.result()
    except Exception as exc:  # that lane's failure is that lane's; the others go on
        return exc
    return result


def _part(
    rt: Runtime, night: NightContext, chunk: Chunk, changed: list[int] | None, population: bool,
    windows: dict[str, dict[str, Any]],
) -> tuple[list[str], dict[str, str]]:  # fmt: skip
    """The span's lanes, tallied by a settlement; returns the lanes that failed and the
    complete-through months, for the parent's settlement.

    ``changed``: the span's persons the feed named (``None``: everyone, a full night);
    ``population``: False when the parent could not read the feed (no population tonight).
    """
    asks = {POPULATION: ask(rt, night, POPULATION, changed)} if population else {}
    asks.update({lane: Window.from_param(w) for lane, w in windows.items()})  # the parent's
    settlement = Settlement(rt, NightPlan(night, asks))
    size = chunk.size
    progress = Progress(size * len(asks))
    if population:  # first: the registries then see tonight's codes and lookup results
        outcome = _outcome(submit_chunk(night, POPULATION, chunk, asks[POPULATION]))
        settlement.done(POPULATION, size, outcome)
        progress.advance(size)
    registries = [(lane, w) for lane, w in asks.items() if lane != POPULATION]
    submitted = [(lane, submit_chunk(night, lane, chunk, w)) for lane, w in registries]
    for lane, future in submitted:
        settlement.done(lane, size, _outcome(future))
        progress.advance(size)
    return settlement.hand_over()


@flow(name="nightly_part", task_runner=ThreadPoolTaskRunner(max_workers=4))  # type: ignore[arg-type]
def nightly_part(
    run_id: str, atvk: str, chunk: int, after: int, upto: int, persons: int,
    changed: list[int] | None, windows: dict[str, dict[str, Any]], population: bool = True,
    config_path: str | None = None, day: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """One chunk of ``nightly_fanout``: the open-case subjects ``after < id <= upto``
    (``persons`` of them when planned); population records, then the four registries.

    ``changed``: the persons of the span the change feed named (``None``: a full night);
    ``population``: whether to fetch population records at all (the feed was read); ``day``:
    the night's day (else the registries' windows', else today).
    """
    started = time.monotonic()
    rt = open_runtime("nightly_part", config_path)
    try:
        as_of = day or next((w.get("as_of") for w in windows.values()), None)
        night = night_context(rt, atvk, day_or_today(as_of), changed is None)
        mid = night.municipality_id
        worker, host = worker_identity()
        flow_run = FlowRunContext.get()
        run = str(flow_run.flow_run.id) if flow_run and flow_run.flow_run else None
        if not claim_chunk(rt.factory, run_id, mid, chunk, run, worker, host):
            log.warning("chunk %s of %s in run %s is not pending: left alone", chunk, atvk, run_id)
            return {"claimed": False}
        try:
            begin(rt, atvk)
            span_ = Chunk(persons, after=after, upto=upto)
            failed, complete = _part(rt, night, span_, changed, population, windows)
            rt.figures.persons_considered = persons
            publish(rt, time.monotonic() - started)
        except BaseException as exc:
            reason = f"{type(exc).__name__}: {scrub(str(exc))}"[:500]
            finish_chunk(rt.factory, run_id, mid, chunk, "FAILED", {}, reason)
            raise
        figures = {**rt.figures.as_dict(), "failed": failed, "complete_through": complete}
        status = "FAILED" if failed else "COMPLETED"
        finish_chunk(rt.factory, run_id, mid, chunk, status, figures)
        return {"claimed": True, "worker": worker, **figures}
    finally:
        close_runtime(rt)


# --- the parent -----------------------------------------------------------------------------


def _launch(
    rt: Runtime, fanned: work.FanoutNight, deployment: str, config_path: str | None
) -> dict[UUID, tuple[int, int]]:
    """One child flow run per span, returned at once (any worker of the pool takes it)."""
    launched: dict[UUID, tuple[int, int]] = {}
    night, n = fanned.night, len(fanned.spans)
    for i, span_ in enumerate(fanned.spans):
        child = run_deployment(  # returns at once (timeout=0); sync here, never a coroutine
            deployment,
            parameters={"run_id": rt.key, **fanned.part_parameters(i), "config_path": config_path},
            flow_run_name=f"nightly part {night.atvk} {span(span_)} ({i + 1} of {n})",
            idempotency_key=f"{rt.key}:{night.atvk}:{i}",
            timeout=0,
        )
        assert isinstance(child, FlowRun)
        launched[child.id] = (night.municipality_id, i)
    return launched


def _wait(ids: list[UUID], poll_s: float, timeout_s: float) -> dict[UUID, str]:
    """The final state name of every child flow run (or why it has none)."""
    progress = Progress(len(ids), unit="chunks")
    pending, states = set(ids), {}
    deadline = time.monotonic() + timeout_s
    with get_client(sync_client=True) as client:
        while pending and time.monotonic() < deadline:
            for start in range(0, len(pending), 200):
                batch = sorted(pending)[start : start + 200]
                runs = client.read_flow_runs(
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=batch)), limit=200
                )
                for r in runs:
                    if r.state is not None and r.state.is_final():
                        states[r.id] = r.state.name or r.state.type.value
                        progress.advance(1)
            pending -= set(states)
            if pending:
                time.sleep(poll_s)
    states.update({i: f"not finished after {timeout_s:.0f} s" for i in pending})
    return states


@flow(name="nightly_fanout", flow_run_name=flow_run_name("nightly fan-out"))
def nightly_fanout(
    municipality: str | None = None, full: bool = False, chunk_size: int = 5000,
    config_path: str | None = None, as_of: str | None = None,
    part_deployment: str = PART_DEPLOYMENT, poll_s: float = 5.0, wait_timeout_s: float = 21600,
) -> dict[str, Any]:  # fmt: skip
    """The nightly sync with one child flow run per municipality and span of persons."""
    started = time.monotonic()
    try:
        rt = open_runtime("nightly_fanout", config_path, lock=True)
    except RunLocked as exc:  # another sync on this store: this one does not start
        return refused(exc)
    try:
        day: date = day_or_today(as_of)
        begin(rt, municipality)
        nights: list[work.FanoutNight] = []
        launched: dict[UUID, tuple[int, int]] = {}
        for muni in rt.municipalities(municipality):
            try:
                fanned = work.plan(rt, muni.atvk, full, chunk_size, day)
                nights.append(fanned)
                launched.update(_launch(rt, fanned, part_deployment, config_path))
            except Exception as exc:  # this municipality's; the others go on
                rt.figures.failed(muni.atvk, exc, retry=f"{muni.atvk}: the whole nightly sync")
        states = _wait(list(launched), poll_s, wait_timeout_s)
        _settle(rt, nights, launched, states)
        for fanned in nights:
            run_reassess(rt, fanned.night)
        publish(rt, time.monotonic() - started)
        deliver_after_sync(municipality, config_path)  # operations.md §5, as nightly_sync
        return conclude(rt)  # Failed when a chunk or a municipality failed (spec §7)
    finally:
        close_runtime(rt)


def _settle(
    rt: Runtime, nights: list[work.FanoutNight], launched: dict[UUID, tuple[int, int]],
    states: dict[UUID, str],
) -> None:  # fmt: skip
    """Mark the chunks no child finished, then settle each municipality from the ledger."""
    state_of = {key: states[run] for run, key in launched.items()}
    rows = chunks_of(rt.factory, rt.key)
    for row in rows:
        if row.status in ("PENDING", "RUNNING"):
            reason = f"child run {state_of.get((row.municipality_id, row.chunk), 'never started')}"
            mark_lost(rt.factory, rt.key, [row.id], reason)
    rows = chunks_of(rt.factory, rt.key)
    for fanned in nights:
        mid, atvk = fanned.night.municipality_id, fanned.night.atvk
        try:
            with BUSY.busy():
                work.settle(rt, fanned, [r for r in rows if r.municipality_id == mid])
        except TiltsError as exc:
            rt.figures.failed(atvk, exc, retry=f"{atvk}: cursors stay where they were")
