"""The fanned-out nightly's work outside the child runs (``flows/fanout.py``).

:func:`plan` does a municipality's once-per-night PMLP work (monitoring, the change feed),
computes the registries' windows, cuts the open-case subjects into spans of ids
(``flows/work/chunks.py``) and writes the chunk ledger; the parent holds a few numbers per
chunk and the persons the feed named (a small share of the caseload), never the caseload.
:func:`settle` reads back what the children recorded and, per service, advances the cursor
or the complete-through mark only if no chunk failed that service (the same rules as
``flows/sync_population.py`` and ``flows/sync_registries.py`` ``collect``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date
from typing import Any

from tilts.flows.runtime import Runtime
from tilts.flows.work import population, registries
from tilts.flows.work.chunks import Chunk, span_chunks
from tilts.kernel.errors import TiltsError
from tilts.kernel.logsafe import scrub
from tilts.registries import per_person
from tilts.store.chunks import plan_chunks
from tilts.store.db import transaction
from tilts.store.models_chunks import SyncChunk

SERVICES = per_person("nightly_part")  # the per-person parts beside PMLP's
CALLS = ("registry_calls", "calls_retried", "rate_limited_honoured")


@dataclass(frozen=True)
class MunicipalityPlan:
    """What the parent decided for one municipality before launching its chunks.

    ``chunks[i]`` is the span (``after < id <= upto``, ``size`` subjects) of the ledger's
    chunk ``i``; its part reads the span's ids from the store and tests who is due itself.
    ``changed``: the persons the change feed named, in id order; ``None`` on a full night
    (everyone is fetched).
    """

    atvk: str
    municipality_id: int
    chunks: list[Chunk]
    windows: dict[str, dict[str, Any]]
    changed: tuple[int, ...] | None
    cursor: str | None
    population_ok: bool

    def changed_in(self, chunk: Chunk) -> list[int] | None:
        """The persons of ``chunk``'s span the feed named (``None``: full, everyone)."""
        if self.changed is None:
            return None
        lo = bisect_right(self.changed, chunk.after)
        return list(self.changed[lo : bisect_left(self.changed, chunk.upto + 1, lo)])


def plan(rt: Runtime, atvk: str, full: bool, chunk_size: int, day: date) -> MunicipalityPlan:
    """Monitoring, change feed, windows and chunks of one municipality; ledger rows written.

    A PMLP failure here leaves the population out of tonight's chunks (the cursor stays, the
    next night re-reads the feed); the registries still run, as in ``nightly_sync``.
    """
    fig = rt.figures
    mid = rt.municipality_id(atvk)
    cursor: str | None = None
    fed: list[int] = []  # what the change feed named
    try:
        population.sync_monitoring(rt, atvk)
        fed, cursor, _duplicates = population.read_changes(rt, atvk)
        population_ok = True
    except TiltsError as exc:
        population_ok = False
        fig.failures.append(f"{atvk} pmlp: {type(exc).__name__}: {scrub(str(exc))}")
        fig.will_retry.append(f"{atvk} pmlp: the whole population sync")
    # whom each registry is asked: everyone (``full``) or those due by the refresh policy
    # (store/fetches.py), the persons the feed named always (each part gets its span's)
    windows = {s: registries.window(rt, atvk, s, day, full).to_param() for s in SERVICES}
    chunks = span_chunks(rt, atvk, chunk_size)
    fig.persons_considered += sum(c.size for c in chunks)
    with transaction(rt.factory) as s:
        plan_chunks(s, rt.key, mid, [c.size for c in chunks])
    changed = None if full else tuple(fed)  # read_changes answers sorted, each id once
    return MunicipalityPlan(atvk, mid, chunks, windows, changed, cursor, population_ok)


def settle(rt: Runtime, mplan: MunicipalityPlan, rows: list[SyncChunk]) -> None:
    """Add the children's figures; commit the cursor and the complete-through marks."""
    fig, atvk = rt.figures, mplan.atvk
    failed: dict[str, int] = {}
    complete: dict[str, set[str]] = {}
    for row in rows:
        got = row.figures or {}
        fig.add_counts(got)  # a child's figures, by figure name
        fig.merge_parts(got.get("parts") or {})
        for name in CALLS:
            rt.child_calls[name] = rt.child_calls.get(name, 0) + int(got.get(name, 0))
        fig.failures += [str(f) for f in got.get("failures", [])]
        if row.status != "COMPLETED":
            for service in got.get("failed") or ("pmlp", *SERVICES):
                failed[service] = failed.get(service, 0) + 1
            if not got.get("failures"):
                fig.failures.append(f"{atvk} chunk {row.chunk + 1}/{len(rows)}: {row.error}")
        for service, month in (got.get("complete_through") or {}).items():
            complete.setdefault(service, set()).add(month)
    if "pmlp" in failed:
        fig.will_retry.append(
            f"{atvk} pmlp: {failed['pmlp']} chunk(s) and the change feed from the stored cursor"
        )
    elif mplan.population_ok:
        population.commit_cursor(rt, atvk, mplan.cursor)
    for service in SERVICES:
        if service in failed:
            fig.will_retry.append(f"{atvk} {service}: {failed[service]} chunk(s) in the next run")
        elif complete.get(service):
            everyone = bool(mplan.windows[service]["full"])
            registries.commit_complete_through(rt, atvk, service, min(complete[service]), everyone)
