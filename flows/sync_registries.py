"""``sync_disability``, ``sync_income`` (VSAA and VID) and ``sync_employment``.

Each fetches the facts of every open-case subject from its registries in chunks — one Prefect
task per chunk — validates, quarantines the bad, stores the rest. Monthly sources re-fetch the
months not yet complete and the last three full months; the month a source says it is
complete through is remembered only after every chunk committed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture

from flows.reporting import Progress, begin, publish
from flows.runtime import Runtime, close_runtime, get_runtime, open_runtime
from flows.work import registries as work
from flows.work.batching import batches
from tilts.errors import TiltsError
from tilts.logsafe import scrub
from tilts.timing import BUSY


@task(name="registry-chunk", cache_policy=NO_CACHE, persist_result=False)
def registry_chunk_task(
    key: str, atvk: str, service: str, person_ids: list[int], window: dict[str, Any]
) -> dict[str, Any]:
    rt = get_runtime(key)
    with BUSY.busy():
        try:
            return work.fetch_and_store(
                rt, atvk, service, person_ids, work.Window.from_param(window)
            )
        finally:
            rt.audit.flush()


def submit_registry_chunks(
    key: str, atvk: str, service: str, subjects: list[int], chunk_size: int, as_of: date
) -> list[tuple[str, int, PrefectFuture[dict[str, Any]]]]:
    """Submit one task per chunk of ``service`` (they run on the flow's task runner)."""
    rt = get_runtime(key)
    with BUSY.busy():
        w = work.window(rt, atvk, service, as_of).to_param()
    return [
        (service, len(chunk), registry_chunk_task.submit(key, atvk, service, chunk, w))
        for chunk in batches(subjects, chunk_size)
    ]


def collect(
    rt: Runtime,
    atvk: str,
    submitted: Iterable[tuple[str, int, PrefectFuture[dict[str, Any]]]],
    progress: Progress,
) -> None:
    """Wait for submitted chunks; add their figures; remember complete months per service."""
    fig = rt.figures
    failed: dict[str, int] = {}
    complete: dict[str, set[str]] = {}
    for service, size, future in submitted:
        try:
            res = future.result()
        except Exception as exc:  # a chunk failure is that chunk's: the others go on
            failed[service] = failed.get(service, 0) + 1
            fig.failures.append(
                f"{atvk} {service} chunk of {size}: {type(exc).__name__}: {scrub(str(exc))}"
            )
            continue
        fig.records_changed += res["changed"]
        fig.not_found += res["not_found"]
        fig.invalid += res["invalid"]
        fig.quarantined += res["quarantined"]
        if res["complete_through"]:
            complete.setdefault(service, set()).add(res["complete_through"])
        progress.advance(size)
    for service, count in failed.items():
        fig.will_retry.append(f"{atvk} {service}: {count} chunk(s) in the next run")
    for service, months in complete.items():
        if service not in failed:
            with BUSY.busy():
                work.commit_complete_through(rt, atvk, service, min(months))


def run_services(
    key: str,
    municipality: str | None,
    services: tuple[str, ...],
    chunk_size: int,
    as_of: str | None,
) -> dict[str, Any]:
    """Body shared by the three flows: every municipality, every service, chunked."""
    started = time.monotonic()
    rt = get_runtime(key)
    day = date.fromisoformat(as_of) if as_of else date.today()
    begin(rt, municipality)
    for muni in rt.municipalities(municipality):
        try:
            with BUSY.busy():
                subjects = work.subjects(rt, muni.atvk)
            rt.figures.persons_considered += len(subjects)
            progress = Progress(len(subjects) * len(services))
            submitted = [
                item
                for service in services
                for item in submit_registry_chunks(
                    key, muni.atvk, service, subjects, chunk_size, day
                )
            ]
            collect(rt, muni.atvk, submitted, progress)
        except TiltsError as exc:
            rt.figures.failures.append(f"{muni.atvk}: {type(exc).__name__}: {exc}")
            rt.figures.will_retry.append(f"{muni.atvk}: {', '.join(services)} in the next run")
    publish(rt, time.monotonic() - started)
    return rt.figures.as_dict()


def _run(
    name: str, services: tuple[str, ...], municipality: str | None, chunk_size: int,
    config_path: str | None, as_of: str | None,
) -> dict[str, Any]:  # fmt: skip
    rt = open_runtime(name, config_path)
    try:
        return run_services(rt.key, municipality, services, chunk_size, as_of)
    finally:
        close_runtime(rt)


@flow(name="sync_disability")
def sync_disability(
    municipality: str | None = None, full: bool = False, chunk_size: int = 2000,
    config_path: str | None = None, as_of: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Disability decisions (VDEĀVK) of every open-case subject."""
    return _run("sync_disability", ("vdeavk",), municipality, chunk_size, config_path, as_of)


@flow(name="sync_income")
def sync_income(
    municipality: str | None = None, full: bool = False, chunk_size: int = 2000,
    config_path: str | None = None, as_of: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Pensions and benefits (VSAA) and employment income (VID) of every open-case subject."""
    return _run("sync_income", ("vsaa", "vid"), municipality, chunk_size, config_path, as_of)


@flow(name="sync_employment")
def sync_employment(
    municipality: str | None = None, full: bool = False, chunk_size: int = 2000,
    config_path: str | None = None, as_of: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Unemployment status (NVA) of every open-case subject."""
    return _run("sync_employment", ("nva",), municipality, chunk_size, config_path, as_of)
