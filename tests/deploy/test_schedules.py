"""Schedules that fire (operations.md §5), against one real Prefect server for the module.

``prefect deploy --all`` from the repository root, then: the server's scheduler creates
``Scheduled`` runs at the next due times in Europe/Riga (computed here by hand, not by a cron
library); a schedule due within seconds is run to ``Completed`` by a process worker and the
run's ``tilts.*`` log lines are in the server's logs API; two runs of one deployment never
overlap (the deployments' concurrency limit and collision strategies, docs/operations.md).

With SQLAlchemy 2.1 under Prefect 3.8 the scheduler service fails on every loop and creates no
run at all (docs/decisions.md): the first test is the one that catches it.
"""

from __future__ import annotations

import itertools
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from packaging.version import Version

from tilts.shell.demo import DEMO_SECRETS, write_config

from .conftest import stop
from .test_deployments import PREFECT, ROOT, _run

# a server, a deploy of every deployment and three process worker runs: minutes when loaded
pytestmark = pytest.mark.timeout(1200)
RIGA = ZoneInfo("Europe/Riga")
EVERY_HOUR = frozenset(range(24))


@dataclass(frozen=True)
class Due:
    """When a deployment is due, as operations.md §5 says it (Europe/Riga wall clock)."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None = None  # days of the month; None: every day
    months: frozenset[int] | None = None

    def next_after(self, after: datetime) -> datetime:
        """The first due instant strictly after ``after``, walking Riga's calendar."""
        day = after.astimezone(RIGA).date()
        for _ in range(800):
            if (self.days is None or day.day in self.days) and (
                self.months is None or day.month in self.months
            ):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=RIGA)
                        if at > after:
                            return at
            day += timedelta(days=1)
        raise AssertionError("no due time within 800 days")


def _at(hour: int, minute: int = 0, **kw: frozenset[int]) -> Due:
    return Due(frozenset({minute}), frozenset({hour}), **kw)


# operations.md §5, the deployments that have a schedule (the benefit cross-check is Tilts' own)
SPEC: dict[str, Due] = {
    "nightly-sync": _at(2),
    "deliver-notifications": Due(frozenset({0, 15, 30, 45}), EVERY_HOUR),
    "expire-statuses": _at(0, 30),
    "spolis-decisions-payments": _at(4),
    "spolis-monthly-report": _at(3, days=frozenset(range(5, 16))),
    "spolis-annual-report": _at(3, days=frozenset({5}), months=frozenset({2})),
    "spolis-cofinancing": _at(3, days=frozenset({20})),
    "spolis-crosscheck": _at(4, 30),
}


@dataclass
class Deployed:
    env: dict[str, str]
    api: str
    before: datetime  # just before `prefect deploy --all`
    ids: dict[str, str]  # deployment name -> id
    config: Path


def _post(api: str, path: str, body: dict[str, Any]) -> Any:
    # A loaded server's SQLite can be busy: Prefect then answers 503 and wrote nothing; ask again.
    for _ in range(10):
        resp = requests.post(f"{api}{path}", json=body, timeout=120)
        if resp.status_code != 503:
            break
        time.sleep(2)
    assert resp.ok, resp.text[:2000]
    return resp.json()


def _wait(what: str, probe: Callable[[], Any], timeout_s: float, log: Path | None = None) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(1)
    tail = log.read_text(errors="replace")[-6000:] if log is not None and log.exists() else ""
    pytest.fail(f"{what}: not within {timeout_s:.0f} s\n{tail}")


def _runs(api: str, deployment_id: str, **flow_runs: Any) -> list[dict[str, Any]]:
    body = {
        "flow_runs": {"deployment_id": {"any_": [deployment_id]}, **flow_runs},
        "sort": "EXPECTED_START_TIME_ASC",
        "limit": 200,
    }
    runs: list[dict[str, Any]] = _post(api, "/flow_runs/filter", body)
    return runs


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def deployed(prefect_server: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    tmp = tmp_path_factory.mktemp("schedules")
    config = tmp / "tilts.toml"
    # nothing here calls a registry: the gateway is a closed port, the store a fresh SQLite
    write_config(config, "http://127.0.0.1:9", f"sqlite:///{tmp / 'store.db'}")
    env = {**prefect_server, **DEMO_SECRETS, "TILTS_CONFIG": str(config)}
    _run([str(Path(PREFECT).parent / "tilts"), "db", "upgrade"], env)
    _run([PREFECT, "work-pool", "create", "tilts", "--type", "process"], env)
    before = datetime.now(UTC)
    _run([PREFECT, "--no-prompt", "deploy", "--all"], env)
    api = env["PREFECT_API_URL"]
    ids = {d["name"]: d["id"] for d in _post(api, "/deployments/filter", {})}
    return Deployed(env, api, before, ids, config)


@contextmanager
def _worker(deployed: Deployed, log: Path, limit: int = 4) -> Iterator[None]:
    """A process worker of pool `tilts`; Prefect's default log level, so that the run's INFO
    lines are sent (the extra loggers come from the deployments' job variables, not from here)."""
    env = {k: v for k, v in deployed.env.items() if k != "PREFECT_LOGGING_LEVEL"}
    env["TZ"] = "UTC"  # the host's zone must not matter; the job variables set Europe/Riga
    out = log.open("wb")
    worker = subprocess.Popen(
        [PREFECT, "worker", "start", "--pool", "tilts", "--limit", str(limit)],
        env=env,
        cwd=ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield
    finally:
        stop(worker)
        out.close()


@pytest.mark.slow
def test_the_servers_scheduler_creates_the_runs_at_the_next_due_times_in_riga(
    deployed: Deployed,
) -> None:
    api = deployed.api
    assert set(SPEC) <= set(deployed.ids), sorted(deployed.ids)
    # the server under test runs the locked SQLAlchemy: 2.0.x creates the runs (2.1 made none)
    assert Version(metadata.version("sqlalchemy")) < Version("2.1"), metadata.version("sqlalchemy")

    def scheduled() -> dict[str, list[dict[str, Any]]] | None:
        found = {
            name: _runs(api, deployed.ids[name], state={"type": {"any_": ["SCHEDULED"]}})
            for name in SPEC
        }
        return found if all(found.values()) else None

    found = _wait("a Scheduled run of every scheduled deployment", scheduled, 90)
    seen = datetime.now(UTC)
    for name, due in SPEC.items():
        runs = found[name]
        assert all(r["auto_scheduled"] for r in runs), name  # the scheduler's, nobody else's
        starts = [_ts(r["expected_start_time"]) for r in runs]
        first = starts[0]
        # a due time of the spec, not earlier than the deploy, and none skipped before it
        assert due.next_after(first - timedelta(seconds=1)) == first, (name, first)
        assert first >= deployed.before - timedelta(minutes=1), (name, first)
        assert first <= due.next_after(seen), (name, first, due.next_after(seen))
        # and the following ones are the spec's next due times too
        for earlier, later in itertools.pairwise(starts):
            assert later == due.next_after(earlier), (name, earlier, later)
    nightly = _ts(found["nightly-sync"][0]["expected_start_time"]).astimezone(RIGA)
    assert (nightly.hour, nightly.minute) == (2, 0)
    assert nightly - datetime.now(RIGA) <= timedelta(days=1)


# what a second run of a deployment meets (docs/operations.md §4); nightly-part: no limit
COLLISION = {"deliver-notifications": "CANCEL_NEW", "nightly-part": None}


@pytest.mark.slow
def test_every_deployment_carries_the_tag_the_loggers_riga_and_its_limit(
    deployed: Deployed,
) -> None:
    """As the server holds them after `prefect deploy --all`: every deployment is tagged
    `tilts` (its runs too, so `tilts automation create --tag tilts` sees them), sends `tilts.*`
    lines to the server and runs on Riga's clock (job variables, not the worker's environment),
    and has a limit of 1 with the collision strategy the guide explains."""
    deployments = _post(deployed.api, "/deployments/filter", {})
    assert {d["name"] for d in deployments} == set(deployed.ids)
    for d in deployments:
        name = d["name"]
        assert "tilts" in d["tags"], name
        env = d["job_variables"].get("env", {})
        assert env.get("PREFECT_LOGGING_EXTRA_LOGGERS") == "tilts", (name, env)
        assert env.get("TZ") == "Europe/Riga", (name, env)
        limit = (d.get("global_concurrency_limit") or {}).get("limit", d.get("concurrency_limit"))
        strategy = (d.get("concurrency_options") or {}).get("collision_strategy")
        expected = COLLISION.get(name, "ENQUEUE")
        assert (limit, strategy) == ((1, expected) if expected else (None, None)), (name, d)


def _states(api: str, run_id: str) -> list[str]:
    resp = requests.get(f"{api}/flow_run_states/", params={"flow_run_id": run_id}, timeout=120)
    assert resp.ok, resp.text
    return [s["name"] for s in resp.json()]


def _span(run: dict[str, Any]) -> tuple[datetime, datetime]:
    return _ts(run["start_time"]), _ts(run["end_time"])


@pytest.mark.slow
def test_two_runs_of_one_deployment_never_overlap(deployed: Deployed, tmp_path: Path) -> None:
    """expire-statuses queues the second run (ENQUEUE): both complete, one after the other;
    deliver-notifications cancels it (CANCEL_NEW): one completes, the other is Cancelled."""
    api = deployed.api
    expiry, delivery = deployed.ids["expire-statuses"], deployed.ids["deliver-notifications"]
    mine = {
        dep: [_post(api, f"/deployments/{dep}/create_flow_run", {})["id"] for _ in range(2)]
        for dep in (expiry, delivery)
    }

    def settled() -> dict[str, dict[str, Any]] | None:
        runs = {r["id"]: r for dep in mine for r in _runs(api, dep, id={"any_": mine[dep]})}
        terminal = {"COMPLETED", "CANCELLED", "FAILED", "CRASHED"}
        done = len(runs) == 4 and all(r["state_type"] in terminal for r in runs.values())
        return runs if done else None

    with _worker(deployed, tmp_path / "worker.log", limit=4):
        runs = _wait("the four runs to end", settled, 240, tmp_path / "worker.log")

    queued = [runs[i] for i in mine[expiry]]
    assert [r["state_type"] for r in queued] == ["COMPLETED", "COMPLETED"], queued
    (_a_start, a_end), (b_start, _b_end) = sorted(_span(r) for r in queued)
    assert a_end <= b_start, "two expire-statuses runs overlapped"
    waited = [_states(api, r["id"]) for r in queued]
    assert any("AwaitingConcurrencySlot" in names for names in waited), waited

    cancelled = sorted(runs[i]["state_type"] for i in mine[delivery])
    assert cancelled == ["CANCELLED", "COMPLETED"], cancelled
    # no two runs of deliver-notifications ran at once (the 15-minute schedule's included)
    ran = sorted(_span(r) for r in _runs(api, delivery) if r["start_time"] and r["end_time"])
    for (_, end), (start, _) in itertools.pairwise(ran):
        assert end <= start, "two deliver-notifications runs overlapped"


@pytest.mark.slow
def test_a_schedule_due_within_a_minute_fires_and_its_tilts_logs_reach_the_server(
    deployed: Deployed, tmp_path: Path
) -> None:
    """A cron schedule (Europe/Riga) due at the start of the next minute but one is added to
    expire-statuses: the scheduler makes the run, a worker runs it to Completed at its time,
    and the run's `tilts.flows` lines are in the server's logs API. The cron names the day and
    month too, so it fires once (an every-minute schedule piles up runs on a slow machine)."""
    api, dep = deployed.api, deployed.ids["expire-statuses"]
    due = (datetime.now(RIGA) + timedelta(seconds=130)).replace(second=0, microsecond=0)
    cron = f"{due.minute} {due.hour} {due.day} {due.month} *"
    name = "expire_statuses/expire-statuses"
    _run([PREFECT, "deployment", "schedule", "create", name, "--cron", cron,
          "--timezone", "Europe/Riga"], deployed.env)  # fmt: skip

    def completed() -> list[dict[str, Any]]:
        runs = _runs(api, dep, state={"type": {"any_": ["COMPLETED"]}})
        return [r for r in runs if r["auto_scheduled"] and _ts(r["expected_start_time"]) == due]

    def tilts_lines() -> list[dict[str, Any]]:  # a run's logs arrive as its process exits
        body = {"logs": {"flow_run_id": {"any_": [runs[0]["id"]]}}}
        return [
            line for line in _post(api, "/logs/filter", body) if line["name"].startswith("tilts.")
        ]

    try:
        with _worker(deployed, tmp_path / "worker.log"):  # up until the run's process has ended
            runs = _wait("the scheduled run Completed", completed, 300, tmp_path / "worker.log")
            tilts = _wait("the run's tilts.* log lines in the server", tilts_lines, 120)
    finally:
        deployment = requests.get(f"{api}/deployments/{dep}", timeout=120).json()
        for sc in deployment["schedules"]:
            if sc["schedule"].get("cron") == cron:
                requests.delete(f"{api}/deployments/{dep}/schedules/{sc['id']}", timeout=120)
    # not before its time: a worker submits a run up to its prefetch window early
    # (PREFECT_WORKER_PREFETCH_SECONDS, 10 s by default; seen in CI: 0.1 s before)
    assert _ts(runs[0]["start_time"]) >= due - timedelta(seconds=10)
    assert any("expire_statuses finished" in line["message"] for line in tilts), tilts
