"""Population-register work: monitoring, the change feed, fetching and storing chunks."""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import delete, select, update

from tilts.connectors.pmlp import PmlpClient
from tilts.flows.context import NightContext
from tilts.flows.runtime import Runtime
from tilts.flows.work.batching import run_batches
from tilts.kernel.crashpoints import crash_point
from tilts.kernel.errors import ContractError, RecordError
from tilts.kernel.personal_code import mask
from tilts.schemas.pmlp import PmlpChangeSchema, PmlpPersonSchema, flatten_person
from tilts.schemas.validate import validate_records
from tilts.store.db import transaction
from tilts.store.models import Monitoring, Person
from tilts.store.ops import get_cursor, now, quarantine, set_cursor
from tilts.store.persons import (
    add_monitoring,
    apply_population,
    codes_of,
    open_case_subjects_query,
    resolve_codes,
    unmonitored_subjects,
)
from tilts.store.quarantine import resolve_fetched

SERVICE = "pmlp"
MONITORING_PAGE = 5000
CURSOR = "pmlp.changes"


def client(rt: Runtime, night: NightContext) -> PmlpClient:
    """The PMLP client of a municipality for this run."""
    return PmlpClient(rt.gateway(night.atvk), night.purpose)


def sync_monitoring(rt: Runtime, night: NightContext) -> dict[str, int]:
    """Register every open-case subject not yet monitored; unregister those whose case closed.

    Page by page (keyset over the subjects): memory stays flat however large the caseload.
    """
    mid = night.municipality_id
    pmlp = client(rt, night)
    gw = rt.gateway(night.atvk)
    size, threads = gw.batch_size("pmlp_monitoring"), gw.concurrency("pmlp_monitoring")
    registered = rejected = unregistered = 0
    after = 0
    while True:
        with rt.factory() as s:
            page = unmonitored_subjects(s, mid, after, MONITORING_PAGE)
            if not page:
                break
            todo = codes_of(s, page)
        by_code = {code: pid for pid, code in todo.items()}
        after = page[-1]
        for batch, result in run_batches(list(by_code), size, threads, pmlp.register_monitoring):
            if isinstance(result, BaseException):
                raise result
            at = now()
            rows = {c: by_code[c] for c in batch if c not in result.rejected}
            rt.audit.flush()  # the calls' audit rows before what they answered is committed
            crash_point("pmlp.monitored")  # registered at PMLP, not yet in the store
            with transaction(rt.factory) as s:
                add_monitoring(s, mid, rows, at)
            registered += len(rows)
            rejected += len(result.rejected)
    with rt.factory() as s:
        gone = list(
            s.scalars(
                select(Monitoring.person_code).where(
                    Monitoring.municipality_id == mid,
                    Monitoring.person_id.not_in(open_case_subjects_query(mid)),
                )
            )
        )
    for batch, result in run_batches(gone, size, 1, pmlp.unregister_monitoring):
        if isinstance(result, BaseException):
            raise result
        with transaction(rt.factory) as s:
            s.execute(
                delete(Monitoring).where(
                    Monitoring.municipality_id == mid, Monitoring.person_code.in_(batch)
                )
            )
        unregistered += len(batch)
    return {"registered": registered, "rejected": rejected, "unregistered": unregistered}


def read_changes(rt: Runtime, night: NightContext) -> tuple[list[int], str | None, int]:
    """Person ids changed since the stored cursor (sorted, each once), the cursor to store
    after, duplicates seen."""
    with rt.factory() as s:
        cursor = get_cursor(s, night.municipality_id, CURSOR)
    pmlp = client(rt, night)
    changed: dict[str, None] = {}
    events = 0
    bad: list[tuple[str, dict[str, Any], str]] = []
    next_cursor = cursor
    for page in pmlp.iter_changes(cursor, rt.settings.gateway.services["pmlp_changes"].batch_size):
        valid, invalid = validate_records(page.changes, PmlpChangeSchema)
        bad += [(mask(r.get("personCode")), r, reason) for r, reason in invalid]
        events += len(page.changes)
        changed.update((c["personCode"], None) for c in valid)
        next_cursor = page.next_cursor
    with transaction(rt.factory) as s:
        ids = resolve_codes(s, list(changed))
        rt.figures.quarantined += quarantine(s, SERVICE, "change", bad, rt.key)
    person_ids = sorted(set(ids.values()))
    return person_ids, next_cursor, events - len(changed)


def fetch_and_store(rt: Runtime, night: NightContext, person_ids: list[int]) -> dict[str, int]:
    """Fetch full records of one chunk, validate, quarantine the bad, upsert the rest, commit.

    A contract error quarantines its batch and the rest go on; a dependency that stays
    unreachable fails the chunk (nothing of it is committed; the next run re-fetches it).
    """
    with rt.factory() as s:
        codes = codes_of(s, person_ids)
    pmlp = client(rt, night)
    gw = rt.gateway(night.atvk)
    records: list[dict[str, Any]] = []
    bad: list[tuple[str, dict[str, Any], str]] = []
    backfill = night.backfill
    fetch = partial(pmlp.get_persons, as_of=backfill) if backfill else pmlp.get_persons
    for batch, result in run_batches(
        list(codes.values()), gw.batch_size("pmlp"), gw.concurrency("pmlp"), fetch
    ):
        if isinstance(result, ContractError | RecordError):
            bad += [(mask(c), {"requestedCode": c}, str(result)) for c in batch]
        elif isinstance(result, BaseException):
            raise result
        else:
            records += result
    valid, invalid = validate_records(records, PmlpPersonSchema, flatten_person)
    bad += [(mask(r.get("requestedCode")), r, reason) for r, reason in invalid]
    rt.audit.flush()  # the calls' audit rows before what they answered is committed
    crash_point("pmlp.fetched")  # answers in memory, nothing committed
    with transaction(rt.factory) as s:
        outcome = apply_population(s, valid, night.atvk, now(), rt.key)
        bad += [(mask(r.get("requestedCode")), r, reason) for r, reason in outcome.quarantined]
        quarantine(s, SERVICE, "person", bad, rt.key)
        failed = {str(r.get("requestedCode")) for _ref, r, _why in bad}
        resolve_fetched(s, SERVICE, {str(r.get("requestedCode")) for r in valid} - failed)
        if backfill:  # a backfill: the next night brings these persons back to today
            s.execute(
                update(Person).where(Person.id.in_(person_ids)).values(population_fetched_at=None)
            )
    crash_point("pmlp.committed")  # chunk committed, cursor not advanced
    return {
        "persons": len(person_ids),
        "changed": outcome.changed,
        "not_found": outcome.not_found,
        "invalid": outcome.invalid,
        "quarantined": len(bad),
        "rekeyed": outcome.rekeyed,
        "deaths": outcome.deaths,
        "moved_out": outcome.moved_out,
    }


def commit_cursor(rt: Runtime, night: NightContext, cursor: str | None) -> None:
    """Advance the change-feed cursor (only after every chunk's data is committed: the one
    caller is ``flows/work/settle.py`` ``Settlement.finish``)."""
    if cursor:
        with transaction(rt.factory) as s:
            set_cursor(s, night.municipality_id, CURSOR, cursor)
