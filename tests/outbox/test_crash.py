"""A deliverer killed after the recipient answered but before the outbox row was marked: the
re-run sends the stored body again, the recipient replays its receipt, nothing arrives twice.

``tilts notify`` runs as a real process. The test lets it claim the notification, makes the
recipient answer slowly (a ``delay`` fault) and meanwhile takes a lock on the outbox row (the
row on PostgreSQL, the database on SQLite), so the deliverer's "mark delivered" waits; once
the recipient holds the notification the deliverer is SIGKILLed. No failpoint in the code.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.outbox.conftest import build_world, granted
from tilts.flows.notify import deliver_notifications
from tilts.mocks.harness import MockHandle
from tilts.mocks.world.population import Population

TILTS = str(Path(sys.executable).parent / "tilts")
LEASE_S = 3


def _wait(what: str, check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


@contextmanager
def _locked(url: str, row_id: int) -> Iterator[Callable[[], tuple[Any, ...]]]:
    """Hold a write lock that makes the deliverer's update of the row wait; yields a reader of
    (state, claimed_by) through the same connection."""
    query = "SELECT state, claimed_by FROM notification WHERE id = %s"
    if url.startswith("sqlite"):
        con = sqlite3.connect(str(make_url(url).database), isolation_level=None, timeout=30)
        con.execute("BEGIN IMMEDIATE")  # the database's write lock
        try:
            yield lambda: tuple(con.execute(query.replace("%s", "?"), (row_id,)).fetchone())
        finally:
            con.rollback()
            con.close()
        return
    pg = psycopg.connect(url)  # the test URL carries the schema in its ``options``
    try:
        pg.execute(query + " FOR UPDATE", (row_id,))  # the row's lock, until rollback
        yield lambda: tuple(pg.execute(query, (row_id,)).fetchone() or ())
    finally:
        pg.rollback()
        pg.close()


@pytest.mark.postgres
def test_killed_between_answer_and_mark_is_redelivered_once(
    tmp_path: Path,
    store_url: str,
    outbox_mock: MockHandle,
    population: Population,
    prefect_harness: None,
) -> None:
    from prefect.settings import PREFECT_API_URL

    world = build_world(tmp_path, store_url, outbox_mock, population, households=1,
                        recipients={"jpa": ""})  # fmt: skip
    world.record([granted(world.households[0], "D-1")])
    [row] = world.rows()
    outbox_mock.add_fault(service="recipient-jpa", kind="delay", delaySeconds=2, count=1)
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()),
           "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_LOGGING_LEVEL": "WARNING"}  # fmt: skip
    log = open(tmp_path / "notify.log", "wb")  # noqa: SIM115 - the child writes to it
    proc = subprocess.Popen(
        [TILTS, "notify", "--config", str(world.config), "--lease", str(LEASE_S)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait("the claim", lambda: world.rows()[0].claimed_by)  # sent, the answer is delayed
        with _locked(world.url, row.id) as read:
            received = _wait("the recipient to hold it", lambda: world.received("jpa"))
            assert [n["notificationId"] for n in received] == [row.notification_id]
            time.sleep(0.3)  # the answer is back; the deliverer now waits to mark the row
            assert read()[0] == "PENDING" and proc.poll() is None
            proc.kill()  # SIGKILL: no cleanup, no mark
            proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
        log.close()
    assert proc.returncode == -9, (tmp_path / "notify.log").read_text()[-2000:]
    left = world.rows()[0]
    assert (left.state, left.receipt_id) == ("PENDING", None) and left.claimed_by
    time.sleep(LEASE_S + 0.5)  # the dead deliverer's lease runs out
    figures = deliver_notifications(config_path=str(world.config))
    assert figures["notifications_delivered"] == 1 and figures["failures"] == []
    done = world.rows()[0]
    [held] = world.received("jpa")  # still exactly one notification at the recipient
    assert done.state == "DELIVERED" and done.receipt_id == held["receiptId"]
    outcomes = [e["outcome"] for e in outbox_mock.journal(service="recipient-jpa")]
    assert outcomes == ["OK", "REPLAYED"]  # the re-send was answered with the same receipt
    world.engine.dispose()
