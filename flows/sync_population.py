"""``sync_population``: keep PMLP facts of every open-case subject current (registries.md §2).

register monitoring → read the change feed from the stored cursor → fetch full records of the
changed persons in chunks → validate, quarantine, upsert → advance the cursor only after every
chunk's data is committed. ``full`` re-fetches everyone.
"""

from __future__ import annotations

import time
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.reporting import Progress, begin, publish
from flows.runtime import close_runtime, get_runtime, open_runtime
from flows.work import population as work
from flows.work.batching import batches
from tilts.errors import TiltsError
from tilts.timing import BUSY


@task(name="pmlp-monitoring", cache_policy=NO_CACHE, persist_result=False)
def monitoring_task(key: str, atvk: str) -> dict[str, int]:
    with BUSY.busy():
        return work.sync_monitoring(get_runtime(key), atvk)


@task(name="pmlp-changes", cache_policy=NO_CACHE, persist_result=False)
def changes_task(key: str, atvk: str) -> tuple[list[int], str | None, int]:
    with BUSY.busy():
        return work.read_changes(get_runtime(key), atvk)


@task(name="pmlp-fetch-chunk", cache_policy=NO_CACHE, persist_result=False)
def fetch_chunk_task(key: str, atvk: str, person_ids: list[int]) -> dict[str, int]:
    with BUSY.busy():
        try:
            return work.fetch_and_store(get_runtime(key), atvk, person_ids)
        finally:
            get_runtime(key).audit.flush()


def run_population(
    key: str, atvk: str, full: bool, chunk_size: int, progress: Progress | None = None
) -> None:
    """The body of the flow for one municipality (also called by ``nightly_sync``)."""
    rt = get_runtime(key)
    fig = rt.figures
    monitoring_task(key, atvk)
    changed, cursor, _duplicates = changes_task(key, atvk)
    with BUSY.busy():
        subjects = (
            work.all_subjects(rt, atvk)
            if full
            else sorted(set(changed) | set(work.unfetched_subjects(rt, atvk)))
        )
    fig.persons_considered += len(subjects)
    progress = progress or Progress(len(subjects))
    failed = 0
    for chunk in batches(subjects, chunk_size):
        try:
            res: dict[str, Any] = fetch_chunk_task(key, atvk, chunk)
        except TiltsError as exc:
            failed += 1
            fig.failures.append(f"{atvk} pmlp chunk of {len(chunk)}: {type(exc).__name__}: {exc}")
            continue
        fig.records_changed += res["changed"]
        fig.not_found += res["not_found"]
        fig.invalid += res["invalid"]
        fig.quarantined += res["quarantined"]
        fig.rekeyed += res["rekeyed"]
        fig.deaths += res["deaths"]
        fig.moved_out += res["moved_out"]
        progress.advance(len(chunk))
    if failed:
        fig.will_retry.append(
            f"{atvk} pmlp: {failed} chunk(s) and the change feed from the stored cursor"
        )
    else:
        with BUSY.busy():
            work.commit_cursor(rt, atvk, cursor)


@flow(name="sync_population")
def sync_population(
    municipality: str | None = None,
    full: bool = False,
    chunk_size: int = 2000,
    config_path: str | None = None,
) -> dict[str, Any]:
    """Sync the population register for one or every configured municipality."""
    started = time.monotonic()
    rt = open_runtime("sync_population", config_path)
    try:
        begin(rt, municipality)
        for muni in rt.municipalities(municipality):
            try:
                run_population(rt.key, muni.atvk, full, chunk_size)
            except TiltsError as exc:
                rt.figures.failures.append(f"{muni.atvk} pmlp: {type(exc).__name__}: {exc}")
                rt.figures.will_retry.append(f"{muni.atvk} pmlp: the whole sync")
        publish(rt, time.monotonic() - started)
        return rt.figures.as_dict()
    finally:
        close_runtime(rt)
