"""``deliver_notifications`` and ``expire_statuses``: the outbox of outbound.md.

Notifications are written with the decisions that cause them (``store/outbox.py``); these flows
deliver them and queue the daily ``EXPIRED`` ones. Delivery runs in rounds: each round submits
``parallel`` chunk tasks per municipality, each claiming up to ``chunk_size`` households'
streams and delivering them in order; rounds go on until a round finds nothing due. Any number
of these flow runs (schedules, the nightly's, ``tilts notify``, other workers) may run at once:
claims never overlap (``store/outbox_delivery.py``).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Mapping
from datetime import date
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner
from sqlalchemy import func, select

from tilts.flows.naming import atvk_task_name, flow_run_name
from tilts.flows.reporting import Progress, begin, publish
from tilts.flows.runtime import Runtime, close_runtime, get_runtime, open_runtime
from tilts.flows.work import notify as work
from tilts.kernel.clock import riga_now, riga_today
from tilts.kernel.errors import TiltsError
from tilts.kernel.logsafe import scrub
from tilts.kernel.timing import BUSY
from tilts.store.models_outbox import Notification

log = logging.getLogger("tilts.flows")


def _now(_params: Mapping[str, Any]) -> str:
    return riga_now().strftime("%Y-%m-%d %H:%M")


CHUNK_SIZE = 200
PARALLEL = 2
LEASE_S = 600.0
MAX_ROUNDS = 500
MAX_PARKED_LINES = 50


@task(name="deliver-chunk", task_run_name=atvk_task_name("deliver"), cache_policy=NO_CACHE,
      persist_result=False)  # fmt: skip
def deliver_chunk_task(
    key: str, atvk: str, worker: str, limit: int, lease_s: float
) -> dict[str, Any]:
    rt = get_runtime(key)
    with BUSY.busy():
        try:
            return work.deliver_chunk(rt, atvk, worker, limit, lease_s).to_param()
        finally:
            rt.audit.flush()


@task(name="expire-statuses", task_run_name="expiry {atvk} {day}", cache_policy=NO_CACHE,
      persist_result=False)  # fmt: skip
def expire_task(key: str, atvk: str, day: str) -> int:
    with BUSY.busy():
        return work.expire(get_runtime(key), atvk, date.fromisoformat(day))


def _add(rt: Runtime, res: dict[str, Any]) -> None:
    fig = rt.figures
    fig.notifications_delivered += res["delivered"]
    fig.notifications_parked += res["parked"]
    fig.notifications_retried += res["retried"]
    room = max(0, MAX_PARKED_LINES - len(fig.parked))
    fig.parked += res["parked_reasons"][:room]
    for line, count in res["problems"].items():
        fig.failed(f"{line} ({count} notification(s))" if count > 1 else line)
    if res["retried"]:
        fig.will_retry.append(f"{res['retried']} notification(s) after their backoff")


def run_delivery(
    key: str, municipality: str | None, chunk_size: int, parallel: int, lease_s: float
) -> None:
    """Deliver the due notifications of every municipality (or one) in rounds of chunk tasks;
    the municipalities side by side, each until a round finds nothing more to claim."""
    rt = get_runtime(key)
    me = f"{socket.gethostname()[:40]}:{os.getpid()}:{key[:8]}"
    busy = [m.atvk for m in rt.municipalities(municipality)]
    with rt.factory() as s:
        pending = s.scalar(
            select(func.count()).select_from(Notification).where(Notification.state == "PENDING")
        )
    progress = Progress(pending, unit="notifications") if pending else None
    for round_no in range(MAX_ROUNDS):
        if not busy:
            return
        futures = [
            (atvk, deliver_chunk_task.submit(
                key, atvk, f"{me}:{atvk}:{round_no}.{i}", chunk_size, lease_s
            ))
            for atvk in busy
            for i in range(parallel)
        ]  # fmt: skip
        claimed: dict[str, int] = dict.fromkeys(busy, 0)
        for atvk, future in futures:
            try:
                res = future.result()
            except Exception as exc:  # a chunk's failure: its claims' leases run out
                rt.figures.failed(f"{atvk} delivery chunk", exc)
                continue
            claimed[atvk] += res["claimed"]
            if progress is not None:
                progress.advance(res["delivered"] + res["parked"])
            _add(rt, res)
        busy = [atvk for atvk in busy if claimed[atvk]]
    for atvk in busy:
        rt.figures.will_retry.append(f"{atvk}: the rest of the outbox in the next run")


@flow(
    name="deliver_notifications",
    flow_run_name=flow_run_name("delivery", _now),
    task_runner=ThreadPoolTaskRunner(max_workers=4),  # type: ignore[arg-type]
)
def deliver_notifications(
    municipality: str | None = None, chunk_size: int = CHUNK_SIZE, parallel: int = PARALLEL,
    lease_s: float = LEASE_S, config_path: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Deliver the notification outbox of every configured municipality (or one)."""
    started = time.monotonic()
    rt = open_runtime("deliver_notifications", config_path)
    try:
        begin(rt, municipality)
        run_delivery(rt.key, municipality, chunk_size, parallel, lease_s)
        publish(rt, time.monotonic() - started)
        return rt.figures.as_dict()
    finally:
        close_runtime(rt)


@flow(name="expire_statuses", flow_run_name=flow_run_name("expiry"))
def expire_statuses(
    municipality: str | None = None, config_path: str | None = None, as_of: str | None = None
) -> dict[str, Any]:
    """Queue ``EXPIRED`` for statuses whose ``validTo`` has passed (once per decision).

    The 15-minute delivery sends them.
    """
    started = time.monotonic()
    rt = open_runtime("expire_statuses", config_path)
    day = as_of or riga_today().isoformat()
    try:
        begin(rt, municipality)
        for muni in rt.municipalities(municipality):
            try:
                rt.figures.notifications_queued += expire_task(rt.key, muni.atvk, day)
            except TiltsError as exc:
                retry = f"{muni.atvk}: expiry in the next run"
                rt.figures.failed(f"{muni.atvk} expiry", exc, retry=retry)
        publish(rt, time.monotonic() - started)
        return rt.figures.as_dict()
    finally:
        close_runtime(rt)


def deliver_after_sync(municipality: str | None, config_path: str | None) -> None:
    """Deliver right after the nightly sync, as a subflow run with its own summary.

    A failure is logged and left to the 15-minute schedule; the nightly's own figures stand.
    """
    try:
        deliver_notifications(municipality=municipality, config_path=config_path)
    except Exception as exc:
        log.warning("delivery after the nightly sync failed: %s", scrub(str(exc)))
