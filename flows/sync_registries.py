"""``sync_disability``, ``sync_income`` (VSAA, VID, LAD, UGFA), ``sync_employment`` and
``sync_property`` (VZD, CSDD, VTUA, UR).

Each fetches the facts of every open-case subject from its registries in chunks — one Prefect
task per chunk — validates, quarantines the bad, stores the rest. Monthly sources re-fetch the
months not yet complete and the last three full months; the month a source says it is
complete through is remembered only after every chunk committed. Each is the nightly engine
(``flows/lanes.py`` ``run_night``) with its services as the lanes.
"""

from __future__ import annotations

import time
from typing import Any

from prefect import flow

from tilts.flows.context import night_context
from tilts.flows.lanes import run_night
from tilts.flows.naming import flow_run_name
from tilts.flows.reporting import begin, publish, refused
from tilts.flows.runtime import Runtime, close_runtime, open_runtime
from tilts.flows.work.chunks import DEFAULT_CHUNK
from tilts.kernel.clock import day_or_today
from tilts.kernel.errors import RunLocked, TiltsError
from tilts.registries import per_person


def run_services(
    rt: Runtime,
    municipality: str | None,
    services: tuple[str, ...],
    chunk_size: int,
    as_of: str | None,
    full: bool = False,
) -> dict[str, Any]:
    """Body shared by the per-topic flows: every municipality, its services as lanes."""
    started = time.monotonic()
    day = day_or_today(as_of)
    begin(rt, municipality)
    for muni in rt.municipalities(municipality):
        try:
            run_night(rt, night_context(rt, muni.atvk, day, full, chunk_size), services)
        except TiltsError as exc:
            retry = f"{muni.atvk}: {', '.join(services)} in the next run"
            rt.figures.failed(muni.atvk, exc, retry=retry)
    publish(rt, time.monotonic() - started)
    return rt.figures.as_dict()


def _run(
    name: str, municipality: str | None, full: bool, chunk_size: int, config_path: str | None,
    as_of: str | None,
) -> dict[str, Any]:  # fmt: skip
    services = per_person(name)  # the registries whose descriptors name this flow
    try:
        rt = open_runtime(name, config_path, lock=True)
    except RunLocked as exc:  # another sync on this store: this one does not start
        return refused(exc)
    try:
        return run_services(rt, municipality, services, chunk_size, as_of, full)
    finally:
        close_runtime(rt)


@flow(name="sync_disability", flow_run_name=flow_run_name("disability"))
def sync_disability(
    municipality: str | None = None, full: bool = False, chunk_size: int = DEFAULT_CHUNK,
    config_path: str | None = None, as_of: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Disability decisions (VDEĀVK) of every open-case subject."""
    return _run("sync_disability", municipality, full, chunk_size, config_path, as_of)


@flow(name="sync_income", flow_run_name=flow_run_name("income"))
def sync_income(
    municipality: str | None = None, full: bool = False, chunk_size: int = DEFAULT_CHUNK,
    config_path: str | None = None, as_of: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Pensions and benefits (VSAA), employment income (VID), rural support (LAD) and
    maintenance-fund payments (UGFA) of every open-case subject."""
    return _run("sync_income", municipality, full, chunk_size, config_path, as_of)


@flow(name="sync_employment", flow_run_name=flow_run_name("employment"))
def sync_employment(
    municipality: str | None = None, full: bool = False, chunk_size: int = DEFAULT_CHUNK,
    config_path: str | None = None, as_of: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Unemployment status (NVA) of every open-case subject."""
    return _run("sync_employment", municipality, full, chunk_size, config_path, as_of)


@flow(name="sync_property", flow_run_name=flow_run_name("property"))
def sync_property(
    municipality: str | None = None, full: bool = False, chunk_size: int = DEFAULT_CHUNK,
    config_path: str | None = None, as_of: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Real estate (VZD), vehicles (CSDD), agricultural machines (VTUA) and enterprise roles
    (UR) of every open-case subject; a registry switched off is left out, as in the nightly."""
    return _run("sync_property", municipality, full, chunk_size, config_path, as_of)
