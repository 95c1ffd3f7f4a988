"""The plan of a night: what each lane asks, and the chunks it is cut into.

One :class:`NightPlan` per municipality and night, made by ``flows/night.py`` ``begin_night``
for both executors: the in-process nightly (``flows/lanes.py``) cuts it into each lane's
chunks of due persons (:meth:`NightPlan.lane_chunks`), the fanned-out nightly
(``flows/fanout.py``) into spans of subjects that each part works through every lane
(:meth:`NightPlan.spans`). Who is due is decided by ``flows/work/tonight.py`` alone.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from tilts.flows.context import NightContext
from tilts.flows.runtime import Runtime
from tilts.flows.work.chunks import Chunk, Planner, span_chunks, subject_pages
from tilts.flows.work.registry_syncs import Window
from tilts.flows.work.tonight import POPULATION, who_is_due


@dataclass(frozen=True)
class NightPlan:
    """A night's lanes: ``asks[lane]`` is what the lane asks (``pmlp`` only when the change
    feed was read); ``cursor`` the change-feed position to store once the night settled."""

    night: NightContext
    asks: dict[str, Window]
    cursor: str | None = None

    @property
    def lanes(self) -> tuple[str, ...]:
        """The night's lanes, the population register's first."""
        return tuple(self.asks)

    def lane_chunks(self, rt: Runtime) -> dict[str, list[Chunk]]:
        """Each lane's chunks, in one pass over the subjects' pages: a page at least half due
        stays a span (its task tests it again), the due of sparser pages become listed ids."""
        planners = {lane: Planner(self.night.chunk_size) for lane in self.asks}
        for s, after, page in subject_pages(rt, self.night):
            for lane, w in self.asks.items():
                planners[lane].add(after, page, who_is_due(s, lane, page, w))
        return {lane: planner.finish() for lane, planner in planners.items()}

    def spans(self, rt: Runtime) -> list[Chunk]:
        """The open-case subjects in spans of ``chunk_size``, for parts that test who is due."""
        return span_chunks(rt, self.night)

    def changed_in(self, span: Chunk) -> list[int] | None:
        """The persons of ``span`` the change feed named (``None``: a full night, everyone)."""
        if self.night.full:
            return None
        pmlp = self.asks.get(POPULATION)
        named = pmlp.changed if pmlp is not None else ()
        lo = bisect_right(named, span.after)
        return list(named[lo : bisect_left(named, span.upto + 1, lo)])
