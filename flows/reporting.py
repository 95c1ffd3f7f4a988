"""Run figures → Prefect artifacts and the store's run log; progress artifacts; the state a
run ends in (:func:`conclude`)."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Any, cast
from uuid import UUID

from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.context import FlowRunContext
from prefect.states import Completed, Failed
from rich.console import Console
from rich.errors import LiveError
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as RichProgress

from tilts.flows.runtime import Runtime
from tilts.kernel.errors import RunFailed, TiltsError
from tilts.kernel.timing import BUSY
from tilts.store.db import transaction
from tilts.store.ops import finish_run, start_run

log = logging.getLogger("tilts.flows")


def _in_flow() -> bool:
    return FlowRunContext.get() is not None


def begin(rt: Runtime, municipality: str | None) -> None:
    """Record the run's start in the store and open the run's progress artifact.

    Every flow run has a progress artifact from its start (0 %) to its summary (100 %); the
    flows that work through many chunks also keep a finer one (:class:`Progress`).
    """
    with transaction(rt.factory) as s:
        start_run(s, rt.key, rt.figures.flow, municipality)
    if _in_flow():
        created = create_progress_artifact(progress=0.0, description=f"{rt.figures.flow} running")
        rt.progress_id = cast(UUID, created)


ARTIFACT_EVERY_S = 5.0


class Progress:
    """Progress of a run: a Prefect progress artifact (inside a flow run) and, when the run
    was started from a terminal, a progress bar with counts and rate on standard error."""

    def __init__(self, total: int, console: Console | None = None, unit: str = "persons") -> None:
        self.total = max(total, 1)
        self.done = 0
        self.id: UUID | None = None
        self._updated = time.monotonic()
        self._bar: RichProgress | None = None
        if _in_flow():  # nothing to do is all done: 100 % at once
            start = 0.0 if total > 0 else 100.0
            created = create_progress_artifact(progress=start, description=f"{unit} processed")
            self.id = cast(UUID, created)
        if total <= 0:
            return
        if console is None and sys.stderr.isatty():
            console = Console(stderr=True)
        if console is not None:
            self._bar = RichProgress(
                TextColumn(unit),
                BarColumn(),
                MofNCompleteColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[rate]}/s"),
                TimeElapsedColumn(),
                console=console,
            )
            self._task = self._bar.add_task(unit, total=self.total, rate="0")
            self._started = time.monotonic()
            try:
                self._bar.start()
            except LiveError:  # another bar still shows (a run that ended early): go without
                self._bar = None

    def advance(self, n: int) -> None:
        """Count ``n`` more persons processed (the artifact follows every few seconds: each
        update is an API call, ~50 ms, which a night of many chunks should not pay per chunk)."""
        self.done += n
        if self.id is not None and (
            self.done >= self.total or time.monotonic() - self._updated >= ARTIFACT_EVERY_S
        ):
            self._updated = time.monotonic()
            update_progress_artifact(self.id, progress=min(100.0, 100.0 * self.done / self.total))
        if self._bar is not None:
            rate = self.done / max(time.monotonic() - self._started, 1e-6)
            self._bar.update(self._task, completed=min(self.done, self.total), rate=f"{rate:,.0f}")
            if self.done >= self.total:
                self.close()

    def close(self) -> None:
        """Stop the terminal bar (the artifact stays as it is)."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def publish(rt: Runtime, elapsed_s: float) -> None:
    """The summary artifact (markdown + table) and the run log row."""
    with BUSY.busy():
        _publish(rt, elapsed_s)


def _publish(rt: Runtime, elapsed_s: float) -> None:
    rt.collect_call_figures()
    rt.figures.duration_s = elapsed_s
    fig = rt.figures
    partial = fig.quarantined or fig.notifications_parked
    outcome = "FAILED" if fig.failures else ("PARTIAL" if partial else "COMPLETED")
    with transaction(rt.factory) as s:
        finish_run(s, rt.key, outcome, fig.as_dict())
    key = fig.flow.replace("_", "-")
    if rt.progress_id is not None:
        update_progress_artifact(rt.progress_id, progress=100.0)
    if _in_flow():
        create_markdown_artifact(
            fig.markdown(), key=f"{key}-summary", description=f"{fig.flow} summary"
        )
        create_table_artifact(fig.table(), key=f"{key}-figures", description=f"{fig.flow} figures")
    log.info(
        "%s finished: %s persons, %s calls, %s changed, %s quarantined, %.1fs",
        fig.flow,
        fig.persons_considered,
        fig.registry_calls,
        fig.records_changed,
        fig.quarantined,
        elapsed_s,
    )


def conclude(rt: Runtime) -> dict[str, Any]:
    """How a run that published its summary ends (operations.md §7): a part that failed after
    its retries ends it ``Failed`` (the caller gets :class:`RunFailed`, carrying the figures;
    the data of the other parts is already committed); quarantined records end ``Completed``
    with the count in the state message; else the figures. Return what it returns, last.
    """
    fig = rt.figures
    data = fig.as_dict()
    if fig.failures:
        return refused(RunFailed(fig.headline(), data))
    if fig.quarantined and _in_flow():
        # Prefect resolves a returned state into its data for the caller: the caller of the
        # flow still receives the figures, while the run shows the count in its state message.
        return cast(dict[str, Any], Completed(message=fig.headline(), data=data))
    return data


def refused(exc: TiltsError) -> dict[str, Any]:
    """End the flow run ``Failed`` with ``exc``'s message (and no traceback in the log: the
    failure is expected and described); the caller of the flow gets ``exc`` raised."""
    if not _in_flow():
        raise exc
    return cast(dict[str, Any], Failed(message=str(exc), data=exc))


def figures_of(flow: Callable[..., dict[str, Any]], **params: Any) -> dict[str, Any]:
    """Call a flow and return its figures, a failed run's too (its :class:`RunFailed`
    carries them): for callers that report a night whatever its state (the demo)."""
    try:
        return flow(**params)
    except RunFailed as failed:
        return failed.figures
