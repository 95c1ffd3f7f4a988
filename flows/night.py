"""A night's Prefect tasks and its beginning, shared by both executors.

:func:`begin_night` does what happens once per municipality and night — PMLP monitoring (in
the background), the change feed, what every lane asks (``flows/work/tonight.py``) — and
returns the :class:`~tilts.flows.work.plan.NightPlan` and the
:class:`~tilts.flows.work.settle.Settlement` that ends it. The in-process nightly
(``flows/lanes.py`` ``run_night``) and the fanned-out one (``flows/fanout.py``) only execute
that plan: they submit :func:`submit_chunk` tasks and hand each outcome to the settlement.

Task parameters: the :class:`~tilts.flows.context.NightContext` (a few plain values), a chunk
(a span of internal ids, or a few listed ids) and the lane's window — never a personal code.
A task finds the process's runtime by the context's run key, once, at its start.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.futures import PrefectFuture
from prefect.utilities.annotations import quote

from tilts.flows.context import NightContext
from tilts.flows.naming import atvk_task_name, chunk_task_name
from tilts.flows.runtime import Runtime, get_runtime
from tilts.flows.work import population
from tilts.flows.work.chunks import Chunk
from tilts.flows.work.plan import NightPlan
from tilts.flows.work.registry_syncs import Window
from tilts.flows.work.settle import Outcome, Settlement
from tilts.flows.work.tonight import POPULATION, ask, work_chunk
from tilts.kernel.errors import TiltsError
from tilts.kernel.timing import BUSY


@task(name="pmlp-monitoring", task_run_name=atvk_task_name("pmlp monitoring"),
      cache_policy=NO_CACHE, persist_result=False)  # fmt: skip
def monitoring_task(night: NightContext) -> dict[str, int]:
    with BUSY.busy():
        return population.sync_monitoring(get_runtime(night.key), night)


@task(name="pmlp-changes", task_run_name=atvk_task_name("pmlp change feed"),
      cache_policy=NO_CACHE, persist_result=False)  # fmt: skip
def changes_task(night: NightContext) -> tuple[list[int], str | None, int]:
    with BUSY.busy():
        return population.read_changes(get_runtime(night.key), night)


def _chunk(night: NightContext, lane: str, chunk: Chunk, w: Window) -> dict[str, Any]:
    rt = get_runtime(night.key)
    with BUSY.busy():
        try:
            return work_chunk(rt, night, lane, chunk, w)
        finally:
            rt.audit.flush()


@task(name="pmlp-fetch-chunk", task_run_name=chunk_task_name("pmlp"), cache_policy=NO_CACHE,
      persist_result=False)  # fmt: skip
def population_chunk_task(night: NightContext, chunk: Chunk, window: Window) -> dict[str, Any]:
    return _chunk(night, POPULATION, chunk, window)


@task(name="registry-chunk", task_run_name=chunk_task_name(), cache_policy=NO_CACHE,
      persist_result=False)  # fmt: skip
def registry_chunk_task(
    night: NightContext, service: str, chunk: Chunk, window: Window
) -> dict[str, Any]:
    return _chunk(night, service, chunk, window)


def submit_chunk(night: NightContext, lane: str, chunk: Chunk, w: Window) -> PrefectFuture[Any]:
    """Submit one chunk task of ``lane`` to the flow's task runner."""
    chunk_: Any = quote(chunk)  # passed as it is: Prefect need not look inside
    w_: Any = quote(w)
    if lane == POPULATION:
        return population_chunk_task.submit(night, chunk_, w_)
    return registry_chunk_task.submit(night, lane, chunk_, w_)


class _Finished:
    """An outcome already known (work run in place, outside a flow run)."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self._value: Any = None
        self._error: BaseException | None = None
        try:
            self._value = call()
        except Exception as exc:
            self._error = exc

    def result(self) -> Any:
        if self._error is not None:
            raise self._error
        return self._value


def _in_background(night: NightContext) -> Outcome:
    """PMLP monitoring beside the lanes (run in place when there is no flow run to submit to)."""
    if FlowRunContext.get() is None:
        return _Finished(lambda: monitoring_task.fn(night))
    return monitoring_task.submit(night)


def _changes(night: NightContext) -> tuple[list[int], str | None, int]:
    """The change feed, as a task of the flow run (in place when there is none)."""
    if FlowRunContext.get() is None:
        return changes_task.fn(night)
    return changes_task(night)


def begin_night(
    rt: Runtime, night: NightContext, lanes: Sequence[str]
) -> tuple[NightPlan, Settlement]:
    """Monitoring, the change feed and every lane's window for ``night``.

    A change-feed fault holds back the population lane only (the registries go on with their
    refresh turn, issue 18); with no other lane it fails the night.
    """
    off = rt.switched_off()  # a registry without an agreement is not asked (operations.md §2)
    services = [lane for lane in lanes if lane != POPULATION and lane not in off]
    asks: dict[str, Window] = {}
    monitoring: Outcome | None = None
    cursor: str | None = None
    changed: list[int] | None = None
    if POPULATION in lanes:
        monitoring = _in_background(night)
        try:
            changed, cursor, _duplicates = _changes(night)
        except TiltsError as exc:
            if not services:
                raise
            rt.figures.failed(
                f"{night.atvk} pmlp change feed", exc,
                retry=f"{night.atvk} pmlp: the change feed from its cursor, then the population",
            )  # fmt: skip
            monitoring = None
    with BUSY.busy():
        if changed is not None:
            asks[POPULATION] = ask(rt, night, POPULATION, changed)
        for service in services:
            asks[service] = ask(rt, night, service, changed)
    plan = NightPlan(night, asks, cursor)
    return plan, Settlement(rt, plan, monitoring)
