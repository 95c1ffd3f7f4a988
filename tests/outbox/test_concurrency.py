"""Several deliverers on the same outbox at once (PostgreSQL: ``FOR UPDATE SKIP LOCKED``;
SQLite: the atomic claim): every notification arrives exactly once, each household's in order."""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from tests.outbox.conftest import OGRE, build_world, granted, revoked
from tilts.flows.runtime import close_runtime, open_runtime
from tilts.flows.work.notify import deliver_chunk
from tilts.mocks.harness import MockHandle
from tilts.mocks.world.population import Population

WORKERS = 4


@pytest.mark.postgres
def test_concurrent_deliverers_deliver_each_notification_once_and_in_order(
    tmp_path: Path, store_url: str, outbox_mock: MockHandle, population: Population
) -> None:
    world = build_world(tmp_path, store_url, outbox_mock, population, households=24)
    decisions = []
    for hid in world.households:
        decisions += [
            granted(hid, f"{hid}-1"),
            granted(hid, f"{hid}-2", decided=date(2027, 3, 20),
                    valid=(date(2027, 4, 1), date(2027, 9, 30))),
            revoked(hid, f"{hid}-R", f"{hid}-2", date(2027, 6, 1)),
        ]  # fmt: skip
    world.record(decisions)
    rows = world.rows()
    assert len(rows) > 150
    for recipient in (
        "nino",
        "jpa",
        "bvkb",
        "nva",
        "baris",
        "bridzis",
        "kim",
    ):  # uneven answer times
        outbox_mock.add_fault(
            service=f"recipient-{recipient}", kind="delay", delaySeconds=0.02, rate=0.3
        )
    start = threading.Barrier(WORKERS)
    delivered: dict[int, int] = defaultdict(int)
    errors: list[BaseException] = []

    # each deliverer with a runtime of its own: engine, connection pool, HTTP session, token
    runtimes = [open_runtime("deliver_notifications", str(world.config)) for _ in range(WORKERS)]

    def deliverer(n: int) -> None:
        rt = runtimes[n]
        try:
            start.wait(30)
            for round_no in range(1000):
                res = deliver_chunk(rt, OGRE, f"worker-{n}:{round_no}", 3, 600.0)
                assert not res.problems and not res.parked, res
                delivered[n] += res.delivered
                if res.claimed == 0:
                    return
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_runtime(rt)

    threads = [threading.Thread(target=deliverer, args=(n,), daemon=True) for n in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert sum(delivered.values()) == len(rows)
    assert sum(1 for n in delivered.values() if n) > 1  # they really shared the work
    stored = {r.notification_id: r for r in world.rows()}
    assert {r.state for r in stored.values()} == {"DELIVERED"}
    for recipient in ("nino", "jpa", "bvkb", "nva", "baris", "bridzis", "kim"):
        got = world.received(recipient)
        ids = [n["notificationId"] for n in got]
        assert len(ids) == len(set(ids))  # nothing arrived twice …
        assert set(ids) == {i for i, r in stored.items() if r.recipient == recipient}  # … or not
        assert all(n["applied"] for n in got)  # never older than what the person last had
        streams: dict[int, list[int]] = defaultdict(list)
        for nid in ids:
            streams[stored[nid].household_id].append(stored[nid].sequence)
        assert all(s == sorted(s) for s in streams.values()), recipient
        assert all(n["receiptId"] == stored[n["notificationId"]].receipt_id for n in got)
    # no notification was even sent twice (a re-send would show as a replay)
    journal = outbox_mock.journal()
    assert not [e for e in journal if e["outcome"] == "REPLAYED"]
    world.engine.dispose()
