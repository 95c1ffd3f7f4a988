"""``nightly_fanout`` and ``nightly_part``: the nightly sync spread over every worker of the
work pool (operations.md §6).

The parent does, per municipality, what happens once a night — PMLP monitoring, the change
feed, the registries' monthly windows — cuts the open-case subjects into spans of ids, writes
the chunk ledger (``store/models_chunks.py``) and launches one ``nightly_part`` flow run per
chunk through its deployment (``run_deployment(..., timeout=0)``), so any worker of the pool
takes any chunk. A child claims its ledger row, reads its span's subjects from the store,
fetches the population records of those the feed named or never fetched (everyone's on a
full night: ``population.fetch_chunk``), then asks the four per-person registries side by
side about those of them that are due (the nightly's refresh policy,
``registries.fetch_chunk``), and records how it ended, on which worker. When every
child ended, the parent commits the change-feed cursor and the complete-through marks of the
services no chunk failed, re-assesses, delivers notifications and publishes one summary;
a failed chunk is listed there and fetched again the next night, as in ``nightly_sync``.

Flow-run parameters carry the run key, ATVK, chunk number, the span's bounds and size and the
internal ids in it the change feed named: a few numbers per chunk, no personal data.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any
from uuid import UUID

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import FlowRun
from prefect.context import FlowRunContext
from prefect.deployments import run_deployment
from prefect.task_runners import ThreadPoolTaskRunner

from tilts.flows.naming import chunk_task_name, flow_run_name, span
from tilts.flows.notify import deliver_after_sync
from tilts.flows.reassess import run_reassess
from tilts.flows.reporting import Progress, begin, conclude, publish, refused
from tilts.flows.runtime import Runtime, close_runtime, get_runtime, open_runtime
from tilts.flows.work import fanout as work
from tilts.flows.work import population, registries
from tilts.flows.work.chunks import Chunk
from tilts.flows.work.fanout import SERVICES
from tilts.flows.work.registry_syncs import Window
from tilts.kernel.clock import day_or_today
from tilts.kernel.errors import RunLocked, TiltsError
from tilts.kernel.logsafe import scrub
from tilts.kernel.timing import BUSY
from tilts.store.chunks import chunks_of, claim_chunk, finish_chunk, mark_lost

PART_DEPLOYMENT = "nightly_part/nightly-part"
WORKER_LABEL = "prefect.worker.name"  # set on the flow run by the worker that submits it
log = logging.getLogger("tilts.flows")


# --- the child: one chunk of one municipality ---------------------------------------------


@task(name="part-population", task_run_name=chunk_task_name("pmlp"), cache_policy=NO_CACHE,
      persist_result=False)  # fmt: skip
def population_task(
    key: str, atvk: str, chunk: Chunk, changed: frozenset[int] | None
) -> dict[str, int]:
    """The span's subjects the feed named or never fetched (everyone when ``changed`` is
    ``None``), as a nightly chunk task: ``population.fetch_chunk``."""
    rt = get_runtime(key)
    with BUSY.busy():
        try:
            return population.fetch_chunk(rt, atvk, chunk, changed)
        finally:
            rt.audit.flush()


@task(name="part-registry", task_run_name=chunk_task_name(), cache_policy=NO_CACHE,
      persist_result=False)  # fmt: skip
def registry_task(
    key: str, atvk: str, service: str, chunk: Chunk, window: dict[str, Any]
) -> dict[str, Any]:
    """The span's subjects the registry can answer for and that are due (as a nightly
    chunk task: ``registries.fetch_chunk``)."""
    rt = get_runtime(key)
    with BUSY.busy():
        try:
            return registries.fetch_chunk(rt, atvk, service, chunk, Window.from_param(window))
        finally:
            rt.audit.flush()


def worker_identity() -> tuple[str, str]:
    """(worker name, host) of this flow run: the ``prefect.worker.name`` label the worker put
    on the run before starting it, else ``PREFECT__WORKER_NAME`` from the process environment
    the worker gave it, else ``local`` (run outside a worker)."""
    ctx = FlowRunContext.get()
    labels = dict(ctx.flow_run.labels) if ctx and ctx.flow_run else {}
    name = labels.get(WORKER_LABEL) or os.environ.get("PREFECT__WORKER_NAME") or "local"
    return str(name), socket.gethostname()


def _part(
    rt: Runtime, atvk: str, chunk: Chunk, changed: list[int] | None, population: bool,
    windows: dict[str, dict[str, Any]],
) -> tuple[list[str], dict[str, str]]:  # fmt: skip
    """The chunk's work; returns the services that failed and the complete-through months.

    ``changed``: the span's persons the feed named (``None``: everyone, a full night), whose
    population record is fetched with the never fetched and whom every registry is asked;
    ``population``: False when the parent could not read the feed (no population tonight).
    """
    fig = rt.figures
    failed: list[str] = []
    size = chunk.size
    progress = Progress(size * (int(population) + len(SERVICES)))
    named = None if changed is None else frozenset(changed)
    if population:
        try:
            fig.add_chunk(population_task(rt.key, atvk, chunk, named), f"{atvk} pmlp")
        except Exception as exc:  # the registries of the chunk still run
            failed.append("pmlp")
            fig.chunk_failed(f"{atvk} pmlp chunk of {size}", exc, f"{atvk} pmlp")
        progress.advance(size)
    submitted = [
        (s, registry_task.submit(rt.key, atvk, s, chunk, {**w, "changed": changed or []}))
        for s, w in windows.items()
    ]
    complete: dict[str, str] = {}
    for service, future in submitted:
        try:
            res = future.result()
        except Exception as exc:  # one service's failure is that service's
            failed.append(service)
            fig.chunk_failed(f"{atvk} {service} chunk of {size}", exc, f"{atvk} {service}")
            progress.advance(size)
            continue
        fig.add_chunk(res, f"{atvk} {service}")
        if res["complete_through"]:
            complete[service] = res["complete_through"]
        progress.advance(size)
    for service in failed:
        fig.will_retry.append(f"{atvk} {service}: this chunk in the next run")
    return failed, complete


@flow(name="nightly_part", task_runner=ThreadPoolTaskRunner(max_workers=4))  # type: ignore[arg-type]
def nightly_part(
    run_id: str, atvk: str, chunk: int, after: int, upto: int, persons: int,
    changed: list[int] | None, windows: dict[str, dict[str, Any]], population: bool = True,
    config_path: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """One chunk of ``nightly_fanout``: the open-case subjects ``after < id <= upto``
    (``persons`` of them when planned); population records, then the four registries.

    ``changed``: the persons of the span the change feed named (``None``: a full night);
    ``population``: whether to fetch population records at all (the feed was read).
    """
    started = time.monotonic()
    rt = open_runtime("nightly_part", config_path)
    try:
        mid = rt.municipality_id(atvk)
        worker, host = worker_identity()
        flow_run = FlowRunContext.get()
        run = str(flow_run.flow_run.id) if flow_run and flow_run.flow_run else None
        if not claim_chunk(rt.factory, run_id, mid, chunk, run, worker, host):
            log.warning("chunk %s of %s in run %s is not pending: left alone", chunk, atvk, run_id)
            return {"claimed": False}
        try:
            begin(rt, atvk)
            rt.figures.persons_considered = persons
            span = Chunk(persons, after=after, upto=upto)
            failed, complete = _part(rt, atvk, span, changed, population, windows)
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
    rt: Runtime, mplan: work.MunicipalityPlan, deployment: str, config_path: str | None
) -> dict[UUID, tuple[int, int]]:
    """One child flow run per chunk, returned at once (any worker of the pool takes it)."""
    launched: dict[UUID, tuple[int, int]] = {}
    n = len(mplan.chunks)
    for i, span_ in enumerate(mplan.chunks):
        child = run_deployment(  # returns at once (timeout=0); sync here, never a coroutine
            deployment,
            parameters={
                "run_id": rt.key, "atvk": mplan.atvk, "chunk": i,
                "after": span_.after, "upto": span_.upto, "persons": span_.size,
                "changed": mplan.changed_in(span_), "windows": mplan.windows,
                "population": mplan.population_ok, "config_path": config_path,
            },
            flow_run_name=f"nightly part {mplan.atvk} {span(span_)} ({i + 1} of {n})",
            idempotency_key=f"{rt.key}:{mplan.atvk}:{i}",
            timeout=0,
        )  # fmt: skip
        assert isinstance(child, FlowRun)
        launched[child.id] = (mplan.municipality_id, i)
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
    """The nightly sync with one child flow run per municipality and chunk of persons."""
    started = time.monotonic()
    try:
        rt = open_runtime("nightly_fanout", config_path, lock=True)
    except RunLocked as exc:  # another sync on this store: this one does not start
        return refused(exc)
    try:
        day = day_or_today(as_of)
        begin(rt, municipality)
        plans: list[work.MunicipalityPlan] = []
        launched: dict[UUID, tuple[int, int]] = {}
        for muni in rt.municipalities(municipality):
            try:
                with BUSY.busy():
                    mplan = work.plan(rt, muni.atvk, full, chunk_size, day)
                plans.append(mplan)
                launched.update(_launch(rt, mplan, part_deployment, config_path))
            except Exception as exc:  # this municipality's; the others go on
                rt.figures.failures.append(f"{muni.atvk}: {type(exc).__name__}: {scrub(str(exc))}")
                rt.figures.will_retry.append(f"{muni.atvk}: the whole nightly sync")
        states = _wait(list(launched), poll_s, wait_timeout_s)
        with BUSY.busy():
            _settle(rt, plans, launched, states)
        for muni in rt.municipalities(municipality):
            run_reassess(rt.key, muni.atvk, day)
        publish(rt, time.monotonic() - started)
        deliver_after_sync(municipality, config_path)  # operations.md §5, as nightly_sync
        return conclude(rt)  # Failed when a chunk or a municipality failed (spec §7)
    finally:
        close_runtime(rt)


def _settle(
    rt: Runtime, plans: list[work.MunicipalityPlan], launched: dict[UUID, tuple[int, int]],
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
    for mplan in plans:
        try:
            work.settle(rt, mplan, [r for r in rows if r.municipality_id == mplan.municipality_id])
        except TiltsError as exc:
            rt.figures.failures.append(f"{mplan.atvk}: {type(exc).__name__}: {scrub(str(exc))}")
            rt.figures.will_retry.append(f"{mplan.atvk}: cursors stay where they were")
