"""Run figures → Prefect artifacts and the store's run log; progress artifacts."""

from __future__ import annotations

import logging
import sys
import time
from typing import cast
from uuid import UUID

from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.context import FlowRunContext
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

from flows.runtime import Runtime
from store.db import transaction
from store.ops import finish_run, start_run
from tilts.timing import BUSY

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
        if _in_flow():
            created = create_progress_artifact(progress=0.0, description=f"{unit} processed")
            self.id = cast(UUID, created)
        if console is None and sys.stderr.isatty():
            console = Console(stderr=True)
        self._bar: RichProgress | None = None
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
