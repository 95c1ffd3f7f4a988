"""Who is due tonight: the one place that decides whom each lane asks.

:func:`ask` says what a lane asks for tonight (a :class:`Window`: the day, a monthly source's
months, everyone or the due, the persons the change feed named); :func:`who_is_due` applies it
to a list of subjects — the population register (``pmlp``) is asked about the persons the feed
named and those it never answered for; a per-person registry about the answerable persons
(not known to PMLP as invalid or absent) that the refresh policy of ``store/fetches.py`` calls
due (never fetched, named by the feed tonight, too old, their turn), within the lane's
night budget (``flows/work/budget.py``: never-fetched first, then the most overdue). Both
executors of a night use it in the same two places: the in-process planner
(``flows/work/plan.py``) to gather the due persons of each page into chunks, and
:func:`work_chunk` for a span nobody tested yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from tilts.flows.context import NightContext
from tilts.flows.runtime import Runtime
from tilts.flows.work import population, registries
from tilts.flows.work.budget import budgeted
from tilts.flows.work.chunks import Chunk, chunk_ids
from tilts.flows.work.registries import months_to_fetch
from tilts.flows.work.registry_syncs import SYNCS, Window
from tilts.store.budget import within_budget
from tilts.store.fetches import answerable, due_persons, never_fetched
from tilts.store.ops import get_cursor

POPULATION = "pmlp"  # the population register's lane; every other lane is a ``SYNCS`` service


def ask(rt: Runtime, night: NightContext, lane: str, changed: Sequence[int] | None) -> Window:
    """What ``lane`` asks for tonight: everyone on a full night; else the due, the persons
    ``changed`` names (the change feed's, sorted) always. A monthly source that reported a
    newly complete month since everyone was last asked asks everyone tonight."""
    named = () if night.full or changed is None else tuple(changed)
    if lane == POPULATION:
        return Window(night.as_of, (), night.full, 1, named)
    refresh = rt.settings.gateway.services[lane].refresh_days
    if not SYNCS[lane].monthly:
        return budgeted(rt, night, lane, Window(night.as_of, (), night.full, refresh, named))
    with rt.factory() as s:
        complete = get_cursor(s, night.municipality_id, f"{lane}.complete_through")
        refreshed = get_cursor(s, night.municipality_id, f"{lane}.refreshed_through")
    new_month = complete is not None and refreshed is not None and complete > refreshed
    months = months_to_fetch(night.day, complete, SYNCS[lane].lookback_months)
    w = Window(night.as_of, months, night.full or new_month, refresh, named)
    return budgeted(rt, night, lane, w)


def who_is_due(s: Session, lane: str, ids: Sequence[int], w: Window) -> list[int]:
    """The persons of ``ids`` (in their order) ``lane`` asks about in the night of ``w``."""
    if lane == POPULATION:
        if w.full:
            return list(ids)
        named, never = set(w.changed), set(never_fetched(s, ids))
        return [pid for pid in ids if pid in named or pid in never]
    asked = answerable(s, ids)
    source = SYNCS[lane].source
    if w.full:
        due = asked
    else:
        day = date.fromisoformat(w.as_of)
        due = due_persons(s, source, asked, day, w.refresh_days, frozenset(w.changed))
    if w.budget is None:
        return due
    tonight, named = within_budget(s, source, due, w.budget), set(w.changed)
    return [pid for pid in due if pid in tonight or pid in named]


def work_chunk(
    rt: Runtime, night: NightContext, lane: str, chunk: Chunk, w: Window
) -> dict[str, Any]:
    """One chunk task's work: the chunk's subjects that are due (a planner's chunk of due
    persons is taken as it is), fetched, validated and committed by the lane's worker."""
    ids = chunk_ids(rt, night, chunk)
    if not chunk.due:
        with rt.factory() as s:
            ids = who_is_due(s, lane, ids, w)
    if lane == POPULATION:
        return population.fetch_and_store(rt, night, ids)
    return registries.fetch_and_store(rt, night, lane, ids, w)
