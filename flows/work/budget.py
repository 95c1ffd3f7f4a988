"""A nightly that can afford it (issue 15; property.md §4): the per-service night budget.

A registry without a change feed is asked about each person on the person's refresh turn
(``store/fetches.py``). A first fetch of a large caseload makes everyone due at once — UR
answers one person per call, so 100,000 persons at 20 calls/s take 83 minutes. The budget
(``gateway.services.<name>.night_calls`` and/or ``night_minutes``; defaults from the
descriptor's ``Limits``) caps the persons a night asks: :func:`budgeted` ranks tonight's due
persons (never fetched first, then the most overdue: ``store/budget.py``) and puts the cutoff
into the lane's window, which every chunk task of either executor applies through
``flows/work/tonight.py`` ``who_is_due``. The persons not reached are due tomorrow; the run
summary counts them (``deferred_by_budget``) and ``tilts status`` shows how far each
service's first fetch has got. A backfill is not budgeted (it asks a past day once).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tilts.flows.context import NightContext
from tilts.flows.runtime import Runtime
from tilts.flows.work.registry_syncs import SYNCS, Window
from tilts.store.budget import budget_cutoff


def budgeted(rt: Runtime, night: NightContext, lane: str, w: Window) -> Window:
    """``w`` with tonight's budget applied (unchanged without a budget or on a backfill).

    The persons the change feed named are asked whatever the budget and count against it.
    """
    most = rt.settings.gateway.services[lane].persons_per_night()
    if most is None or night.backfill:
        return w
    room = max(0, most - len(w.changed))
    with rt.factory() as s:
        cutoff, deferred = budget_cutoff(
            s, night.municipality_id, SYNCS[lane].source, date.fromisoformat(w.as_of),
            w.refresh_days, w.full, room,
        )  # fmt: skip
    if deferred:
        rt.figures.defer(f"{night.atvk} {lane}", deferred)
    return replace(w, budget=cutoff, deferred=deferred)
