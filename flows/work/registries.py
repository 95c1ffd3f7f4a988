"""Per-person registries (VDEĀVK, VSAA, VID, NVA, UR): one generic chunk worker
(:func:`fetch_and_store`) for every entry of the table ``SYNCS``
(``flows/work/registry_syncs.py``), the months a run asks for, and what is remembered after
a run (whom a night asks: ``flows/work/tonight.py``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from tilts.connectors.batch import Batch
from tilts.flows.context import NightContext
from tilts.flows.runtime import Runtime
from tilts.flows.work.batching import run_batches
from tilts.flows.work.registry_syncs import SYNCS, Row, Window, split_duplicates
from tilts.kernel.crashpoints import crash_point
from tilts.kernel.errors import ContractError, RecordError
from tilts.kernel.personal_code import mask
from tilts.registries import DEFAULT_LOOKBACK_MONTHS
from tilts.schemas.validate import validate_records
from tilts.store.db import transaction
from tilts.store.facts import replace_facts
from tilts.store.fetches import mark_fetched
from tilts.store.ops import get_cursor, now, quarantine, set_cursor
from tilts.store.persons import codes_of, resolve_codes
from tilts.store.quarantine import resolve_fetched


def _index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_to_fetch(
    as_of: date, complete_through: str | None, lookback: int = DEFAULT_LOOKBACK_MONTHS
) -> tuple[str, ...]:
    """The last ``lookback`` full months before ``as_of``'s month, every month after the one
    the source last called complete, and the current month: one contiguous range, at most 12
    (the oldest kept: a 12-month look-back asks for the 12 full months, property.md §5)."""
    current = as_of.year * 12 + as_of.month - 1
    start = current - lookback
    if complete_through is not None:
        start = min(start, _index(complete_through) + 1)
    start = max(start, current - max(11, lookback))
    return tuple(_label(i) for i in range(start, min(current, start + 11) + 1))


def fetch_and_store(
    rt: Runtime, night: NightContext, service: str, person_ids: list[int], w: Window
) -> dict[str, Any]:
    """Fetch one chunk from a registry, validate, quarantine the bad, store the rest, commit.

    A person with any invalid row keeps the facts stored before (nothing of theirs is
    replaced this run) and the bad rows are quarantined with the failing checks.
    """
    sync = SYNCS[service]
    gw = rt.gateway(night.atvk)
    client = sync.client(gw, night.purpose)
    with rt.factory() as s:
        by_code = {code: pid for pid, code in codes_of(s, person_ids).items()}
    codes = list(by_code)
    unanswered: set[str] = set()
    results: list[Row] = []
    complete: set[str] = set()
    bad: list[tuple[str, Row, str]] = []

    def call(batch: list[str]) -> Batch:
        return sync.fetch(client, batch, w)

    # a one-person-per-call registry's fetch takes the whole chunk and runs its calls itself
    size, parallel = (
        (max(1, len(codes)), 1)
        if sync.one_per_call
        else (gw.batch_size(service), gw.concurrency(service))
    )
    for batch, answer in run_batches(codes, size, parallel, call):
        if isinstance(answer, ContractError | RecordError):
            bad += [(mask(c), {"requestedCode": c}, str(answer)) for c in batch]
            unanswered.update(batch)
        elif isinstance(answer, BaseException):
            raise answer
        else:
            results += answer.results
            bad += [(mask(c), {"requestedCode": c}, str(e)) for c, e in answer.failed]
            unanswered.update(c for c, _ in answer.failed)
            if answer.complete_through:
                complete.add(answer.complete_through)
    outcome: dict[str, int] = defaultdict(int)
    rows: list[Row] = []
    found: list[str] = []
    for r in results:
        status = r.get(sync.status_key)
        outcome[str(status)] += 1
        if status == "FOUND":
            found.append(r.get("requestedCode") or r["personCode"])
            rows += sync.rows(r)
    valid, invalid = validate_records(rows, sync.schema, as_of=date.fromisoformat(w.as_of))
    valid, conflicting, folded = split_duplicates(sync, valid)
    invalid += conflicting
    spoiled = {r["requestedCode"] for r, _ in invalid}
    bad += [(mask(r["requestedCode"]), r, reason) for r, reason in invalid]
    rt.audit.flush()  # the calls' audit rows before what they answered is committed
    crash_point("registry.fetched")  # answers in memory, nothing committed
    with transaction(rt.factory) as s:
        ids = resolve_codes(s, found)
        by_person: dict[int, list[Row]] = defaultdict(list)
        for row in valid:
            if row["requestedCode"] not in spoiled:
                by_person[ids[row["requestedCode"]]].append(row)
        targets = [ids[c] for c in found if c not in spoiled and c in ids]
        facts = [f for pid in targets for f in sync.facts(pid, by_person.get(pid, []))]
        changes = replace_facts(
            s, sync.source, targets, sync.kinds, facts, now(), rt.key,
            periods=list(w.months) if sync.monthly else None,
        )  # fmt: skip
        quarantine(s, service, "record", bad, rt.key)
        # whole-response faults of an earlier run, answered cleanly now: resolved by this run
        resolve_fetched(s, service, [c for c in codes if c not in unanswered | spoiled])
        answered = [p for c, p in by_code.items() if c not in unanswered and c not in spoiled]
        mark_fetched(s, sync.source, answered, date.fromisoformat(w.as_of))
        if complete:  # with the facts: a crash before the run's end cannot lose the month
            mid = night.municipality_id
            reported = get_cursor(s, mid, f"{service}.reported_through")
            set_cursor(s, mid, f"{service}.reported_through", max(reported or "", min(complete)))
    crash_point("registry.committed")  # chunk committed, complete-through not stored
    return {
        "persons": len(person_ids),
        "changed": len(changes.changed_persons or ()),
        "not_found": outcome["NOT_FOUND"],
        "invalid": outcome["INVALID_CODE"],
        "quarantined": len(bad),
        "duplicates_folded": folded,
        "complete_through": min(complete) if complete else None,
    }


def commit_complete_through(
    rt: Runtime, night: NightContext, service: str, month: str | None, everyone: bool = False
) -> None:
    """Remember the month a monthly source said it is complete through (after commit) and,
    when ``everyone`` was asked (or nothing was remembered yet), that everyone has it.

    ``month`` ``None`` (nobody was asked tonight: a re-run after a crash, say): the month the
    committed chunks reported (``<service>.reported_through``), if later than the one stored.
    """
    if not SYNCS[service].monthly:
        return
    with transaction(rt.factory) as s:
        mid = night.municipality_id
        if month is None:
            month = get_cursor(s, mid, f"{service}.reported_through")
            stored = get_cursor(s, mid, f"{service}.complete_through")
            if month is None or (stored is not None and month <= stored):
                return
        set_cursor(s, mid, f"{service}.complete_through", month)
        if everyone or get_cursor(s, mid, f"{service}.refreshed_through") is None:
            set_cursor(s, mid, f"{service}.refreshed_through", month)
