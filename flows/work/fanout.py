"""The fanned-out nightly's work outside the child runs (``flows/fanout.py``).

:func:`plan` begins a municipality's night as the in-process nightly does
(``flows/night.py`` ``begin_night``: monitoring, the change feed, every lane's window), cuts
the open-case subjects into spans (:meth:`~tilts.flows.work.plan.NightPlan.spans`) and writes
the chunk ledger; the parent holds a few numbers per chunk and the persons the feed named (a
small share of the caseload), never the caseload. :func:`settle` hands each part's ledger row
to the night's :class:`~tilts.flows.work.settle.Settlement`, which ends the night exactly as
it ends an in-process one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from tilts.flows.context import NightContext, night_context
from tilts.flows.night import begin_night
from tilts.flows.runtime import Runtime
from tilts.flows.work.chunks import Chunk
from tilts.flows.work.plan import NightPlan
from tilts.flows.work.settle import Settlement
from tilts.flows.work.tonight import POPULATION
from tilts.registries import per_person
from tilts.store.chunks import plan_chunks
from tilts.store.db import transaction
from tilts.store.models_chunks import SyncChunk

SERVICES = per_person("nightly_part")  # the per-person parts beside PMLP's
CALLS = ("registry_calls", "calls_retried", "rate_limited_honoured")


@dataclass(frozen=True)
class FanoutNight:
    """One municipality's fanned-out night: its plan, its settlement, and its parts' spans
    (``spans[i]`` is the ledger's chunk ``i``; its part tests who is due itself)."""

    plan: NightPlan
    settlement: Settlement
    spans: list[Chunk]

    @property
    def night(self) -> NightContext:
        """The night's context."""
        return self.plan.night

    def part_parameters(self, i: int) -> dict[str, Any]:
        """What the part of span ``i`` is told (flow-run parameters: a few numbers per span,
        the feed's persons in it, the registries' windows; no personal data)."""
        span, night = self.spans[i], self.plan.night
        changed = self.plan.changed_in(span)
        windows = {
            lane: {**w.to_param(), "changed": changed or []}
            for lane, w in self.plan.asks.items()
            if lane != POPULATION
        }
        return {
            "atvk": night.atvk, "chunk": i, "after": span.after, "upto": span.upto,
            "persons": span.size, "changed": changed, "windows": windows,
            "population": POPULATION in self.plan.asks, "day": night.as_of,
        }  # fmt: skip


def plan(rt: Runtime, atvk: str, full: bool, chunk_size: int, day: date) -> FanoutNight:
    """Begin ``atvk``'s night and cut it into spans; one ledger row per span written."""
    night = night_context(rt, atvk, day, full, chunk_size)
    nplan, settlement = begin_night(rt, night, (POPULATION, *SERVICES))
    spans = nplan.spans(rt)
    rt.figures.persons_considered += sum(c.size for c in spans)
    with transaction(rt.factory) as s:
        plan_chunks(s, rt.key, night.municipality_id, [c.size for c in spans])
    return FanoutNight(nplan, settlement, spans)


def settle(rt: Runtime, fanned: FanoutNight, rows: list[SyncChunk]) -> None:
    """Add the parts' figures, hand each part's end to the settlement, and finish the night."""
    fig, settlement = rt.figures, fanned.settlement
    for row in rows:
        got = row.figures or {}
        fig.add_counts(got)  # a child's figures, by figure name
        fig.merge_parts(got.get("parts") or {})
        for name in CALLS:
            rt.child_calls[name] = rt.child_calls.get(name, 0) + int(got.get(name, 0))
        for line in got.get("failures", []):  # masked by the child; masked again, harmlessly
            fig.failed(str(line))
        failed: list[str] = []
        if row.status != "COMPLETED":
            failed = list(got.get("failed") or fanned.plan.lanes)
            if not got.get("failures"):
                fig.failed(f"{fanned.night.atvk} chunk {row.chunk + 1}/{len(rows)}", row.error)
        settlement.part_ended(failed, got.get("complete_through") or {})
    settlement.finish()
