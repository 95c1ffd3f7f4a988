"""Settling a night: the one tally of its chunks and the one place its cursors move.

Both executors hand every chunk's outcome to one :class:`Settlement` — the in-process nightly
as each chunk task finishes (:meth:`Settlement.done`), the fanned-out nightly's parts
likewise in their own runs, and the parent each part's ledger row
(:meth:`Settlement.part_ended`). :meth:`Settlement.finish` then writes what the next run will
retry and advances the change-feed cursor and each monthly source's complete-through mark
only if every chunk of that lane committed (and the PMLP monitoring did): a failed chunk's
persons are asked again by the next night.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from tilts.flows.runtime import Runtime
from tilts.flows.work import population, registries
from tilts.flows.work.plan import NightPlan
from tilts.flows.work.tonight import POPULATION
from tilts.kernel.errors import TiltsError


class Outcome(Protocol):
    """Something that was running and has (or will have) a result: a Prefect future."""

    def result(self) -> Any: ...


@dataclass
class Settlement:
    """The tally of one night (one municipality) and its end."""

    rt: Runtime
    plan: NightPlan
    monitoring: Outcome | None = None  # PMLP monitoring, running beside the lanes
    failed: dict[str, int] = field(default_factory=dict)  # failed chunks by lane
    complete: dict[str, set[str]] = field(default_factory=dict)  # months reported by lane

    def done(self, lane: str, size: int, outcome: Mapping[str, Any] | BaseException) -> None:
        """Tally one finished chunk task of ``size`` planned persons: its figures, or (an
        exception) a failure line; a chunk's failure is that chunk's and lane's alone."""
        fig, part = self.rt.figures, f"{self.plan.night.atvk} {lane}"
        if isinstance(outcome, BaseException):
            self.failed[lane] = self.failed.get(lane, 0) + 1
            fig.chunk_failed(f"{part} chunk of {size}", outcome, part)
            return
        if lane == POPULATION:  # a population night counts the persons PMLP was asked about
            fig.persons_considered += int(outcome["persons"])
        fig.add_chunk(outcome, part)
        self.part_ended((), {lane: outcome.get("complete_through")})

    def part_ended(self, failed: Iterable[str], complete: Mapping[str, str | None]) -> None:
        """Tally the lanes a chunk failed and the months it reported (a fan-out part's figures
        were tallied by the part itself)."""
        for lane in failed:
            self.failed[lane] = self.failed.get(lane, 0) + 1
        for lane, month in complete.items():
            if month:
                self.complete.setdefault(lane, set()).add(month)

    def hand_over(self) -> tuple[list[str], dict[str, str]]:
        """A fan-out part's end: the lanes it failed (each a "will be retried" line of its
        own summary) and the months it reported, for the parent's settlement."""
        atvk = self.plan.night.atvk
        for lane in self.failed:
            self.rt.figures.will_retry.append(f"{atvk} {lane}: this chunk in the next run")
        return list(self.failed), {lane: min(m) for lane, m in self.complete.items() if m}

    def finish(self) -> None:
        """The night's end: what the next run retries; cursors moved only where every chunk
        committed (a backfill never moves the change feed's)."""
        rt, night = self.rt, self.plan.night
        fig = rt.figures
        if POPULATION in self.plan.asks:
            if self.monitoring is not None:
                try:
                    self.monitoring.result()
                except TiltsError as exc:
                    self.failed[POPULATION] = self.failed.get(POPULATION, 0) + 1
                    fig.failed(f"{night.atvk} pmlp monitoring", exc)
            if count := self.failed.get(POPULATION):
                fig.will_retry.append(
                    f"{night.atvk} pmlp: {count} chunk(s) and the change feed from the cursor"
                )
            elif not night.backfill:
                population.commit_cursor(rt, night, self.plan.cursor)
        for lane, w in self.plan.asks.items():
            if lane == POPULATION:
                continue
            if count := self.failed.get(lane):
                fig.will_retry.append(f"{night.atvk} {lane}: {count} chunk(s) in the next run")
                continue
            months = self.complete.get(lane)
            month = min(months) if months else None
            # everyone was asked only if the night budget deferred nobody
            registries.commit_complete_through(rt, night, lane, month, w.full and not w.deferred)
