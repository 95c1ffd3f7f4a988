"""Run states that tell the truth, against one real Prefect server for the module (operations.md
§7, §5): a night with VSAA down ends ``Failed`` and Tilts' failure automation fires; two
``tilts sync`` processes on one store do not both run; a SIGKILLed sync is shown crashed.
Real mocks (faults through the admin API), real stores, real processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests
from sqlalchemy import select

from tests.conftest import PG_SKIP, PG_URL, _pg_drop, _pg_schema_url
from tilts.flows.runtime import open_store
from tilts.mocks.harness import MockHandle, running_mocks
from tilts.shell.demo import DEMO_SECRETS, seed_caseload, write_config
from tilts.store.db import make_engine
from tilts.store.models import RegistryFact
from tilts.store.runlock import lock_is_free

ROOT = Path(__file__).resolve().parents[2]
TILTS = [sys.executable, "-m", "tilts.shell.cli"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mock() -> Iterator[MockHandle]:
    with running_mocks(persons=2000, seed=5) as handle:
        yield handle


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).received.append(json.loads(body or b"{}"))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        return


@pytest.fixture
def hook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A tiny webhook receiver on loopback: what the automation's action posts lands here."""
    received: ClassVar[list[dict[str, Any]]] = []
    handler = type("Hook", (_Hook,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    if not PG_URL:
        pytest.skip(PG_SKIP)
    url, schema = _pg_schema_url(PG_URL)
    try:
        yield url
    finally:
        _pg_drop(PG_URL, schema)


def _world(
    mock: MockHandle, store: str, tmp_path: Path, server: dict[str, str]
) -> tuple[Path, dict[str, str]]:
    mock.reset()
    config = tmp_path / "tilts.toml"
    write_config(config, mock.base_url, store)
    os.environ.update(DEMO_SECRETS)
    seed_caseload(config, {a: mock.sample(a, 200) for a in ("0040000", "0051000")}, households=20)
    return config, {**server, **DEMO_SECRETS, "PWD": str(ROOT)}


def _run(
    args: list[str], env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def _api(env: dict[str, str], path: str, body: dict[str, Any] | None = None) -> Any:
    url = f"{env['PREFECT_API_URL']}/{path}"
    answer = (
        requests.post(url, json=body, timeout=30)
        if body is not None
        else requests.get(url, timeout=30)
    )
    answer.raise_for_status()
    return answer.json()


NIGHT = """
import json, sys
from prefect import tags
from tilts.flows.nightly import nightly_sync
with tags("tilts"):
    state = nightly_sync(config_path=sys.argv[1], chunk_size=100, return_state=True)
print(json.dumps({"type": state.type.value, "id": str(state.state_details.flow_run_id)}))
"""


def test_vsaa_down_fails_the_night_and_the_failure_automation_fires(
    prefect_server: dict[str, str], mock: MockHandle, tmp_path: Path,
    hook: tuple[str, list[dict[str, Any]]],
) -> None:  # fmt: skip
    config, env = _world(mock, f"sqlite:///{tmp_path / 'store.db'}", tmp_path, prefect_server)
    url, received = hook
    block = (
        "from prefect.blocks.notifications import CustomWebhookNotificationBlock as B; "
        f"B(name='tilts-ops', url={url!r}, allow_private_urls=True, "
        "json_data={'subject': '{{subject}}', 'body': '{{body}}'}).save('tilts-ops', overwrite=True)"
    )
    assert _run([sys.executable, "-c", block], env).returncode == 0
    made = _run(
        [*TILTS, "automation", "create", "--block", "custom-webhook/tilts-ops", "--tag", "tilts"],
        env,
    )
    assert made.returncode == 0, made.stderr
    [automation] = [
        a for a in _api(env, "automations/filter", {}) if a["name"] == "tilts-flow-run-failures"
    ]
    assert automation["trigger"]["match_related"] == {
        "prefect.resource.role": "tag", "prefect.resource.id": "prefect.tag.tilts"
    }  # fmt: skip

    mock.add_fault(service="vsaa", kind="http_status", status=503, rate=1.0)  # the whole run
    night = _run([sys.executable, "-c", NIGHT, str(config)], env, timeout=600)
    assert night.returncode == 0, night.stderr[-3000:]
    ran = json.loads(night.stdout.strip().splitlines()[-1])
    assert ran["type"] == "FAILED"
    run = _api(env, f"flow_runs/{ran['id']}")
    assert run["state"]["type"] == "FAILED" and "tilts" in run["tags"]
    assert "retried by the next run" in run["state"]["message"]
    artifacts = _api(env, "artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [ran["id"]]}}})
    [summary] = [a for a in artifacts if a["key"] == "nightly-sync-summary"]
    assert "vsaa" in summary["data"] and summary["data"].startswith("# nightly_sync: FAILED")
    _, factory = open_store(store_url_of(config))
    with factory() as s:
        sources = set(s.scalars(select(RegistryFact.source).distinct()))
    assert {"PMLP", "VDEAVK", "VID", "NVA"} <= sources and "VSAA" not in sources

    deadline = time.monotonic() + 120  # the server's triggers and actions services act
    link = f"/runs/flow-run/{ran['id']}"
    while time.monotonic() < deadline and not any(link in str(m) for m in received):
        time.sleep(1)
    mine = [m for m in received if link in str(m)]
    assert mine, f"the automation's action never posted (got {received})"
    assert "nightly_sync" in mine[0]["subject"] and "Failed" in mine[0]["subject"]


def store_url_of(config: Path) -> str:
    from tilts.kernel.config import load_settings

    return load_settings(config).store.url


def _status(config: Path, env: dict[str, str]) -> dict[str, Any]:
    shown = _run([*TILTS, "status", "--json", "--config", str(config)], env)
    assert shown.returncode == 0, shown.stderr
    report: dict[str, Any] = json.loads(shown.stdout)
    return report


def test_one_sync_per_store_and_a_killed_sync_is_shown_crashed(
    prefect_server: dict[str, str], mock: MockHandle, tmp_path: Path, store: str
) -> None:
    config, env = _world(mock, store, tmp_path, prefect_server)
    engine = make_engine(store)
    # slow registries: the first sync still runs when the second has started (a process
    # start takes many seconds on a loaded machine), and when it is killed
    for service in ("pmlp", "vdeavk", "vsaa", "vid", "nva", "lad", "ugfa"):
        mock.add_fault(service=service, kind="delay", delaySeconds=12.0, rate=1.0)
    sync = [*TILTS, "sync", "all", "--chunk-size", "10", "--config", str(config)]
    first = subprocess.Popen(
        sync, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 120
        while lock_is_free(engine):
            assert first.poll() is None and time.monotonic() < deadline, "the first sync never ran"
            time.sleep(0.3)
        second = _run(sync, env)
        assert second.returncode == 3, second.stdout + second.stderr
        assert "another sync holds this store's run lock: nightly_sync" in second.stderr
        assert "Traceback" not in second.stderr
        assert first.poll() is None, "the first sync ended before the test could kill it"
        alive = {r["flow"]: r["outcome"] for r in _status(config, env)["runs"]}
        assert alive["nightly_sync"] == "RUNNING"  # its process lives: shown running
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(30)
        assert first.stderr is not None
        first.stderr.close()
    deadline = time.monotonic() + 30  # PostgreSQL ends the dead session's lock
    while not lock_is_free(engine) and time.monotonic() < deadline:
        time.sleep(0.3)
    runs = {r["flow"]: r for r in _status(config, env)["runs"]}
    assert runs["nightly_sync"]["outcome"] == "CRASHED"
    text = _run([*TILTS, "status", "--config", str(config)], env).stdout
    assert "nightly_sync" in text and "CRASHED" in text and "RUNNING" not in text
    mock.clear_faults()
    again = _run(sync, env, timeout=600)  # the lock died with its process: the next run runs
    assert again.returncode in (0, 1), again.stderr[-3000:]
    assert {r["flow"]: r for r in _status(config, env)["runs"]}["nightly_sync"][
        "outcome"
    ] != "CRASHED"
    engine.dispose()


DATES = """
import json, sys
from pathlib import Path
from prefect.client.orchestration import get_client
from tilts.flows.nightly import nightly_sync
from tilts.flows.notify import expire_statuses
from tilts.flows.spolis import monthly_report
config, out = sys.argv[1], Path(sys.argv[2])
runs = {
    "nightly": nightly_sync(config_path=config, municipality="0040000", return_state=True),
    "expiry": expire_statuses(config_path=config, municipality="0040000", return_state=True),
    "monthly": monthly_report(config_path=config, municipality="0040000", dry_run=True,
                              out_dir=str(out), return_state=True),
}
seen = {}
with get_client(sync_client=True) as client:
    for key, state in runs.items():
        run_id = state.state_details.flow_run_id
        seen[key] = client.read_flow_run(run_id).name
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    expiry = runs["expiry"].state_details.flow_run_id
    seen["expiry tasks"] = sorted(t.name for t in client.read_task_runs(
        flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[expiry]))))
seen["monthly periods"] = sorted(json.loads(p.read_text())["period"] for p in out.rglob("*.json"))
print(json.dumps(seen))
"""


@pytest.mark.parametrize(
    ("instant", "riga_day", "last_month"),
    [
        ("2026-12-31T21:30:00+00:00", "2026-12-31", "2026-11"),  # 23:30 in Riga
        ("2026-12-31T22:30:00+00:00", "2027-01-01", "2026-12"),  # 00:30 in Riga
    ],
)
def test_every_date_a_flow_means_is_a_riga_date_whatever_the_host_zone(
    prefect_server: dict[str, str], mock: MockHandle, tmp_path: Path,
    instant: str, riga_day: str, last_month: str,
) -> None:  # fmt: skip
    """The nightly's as-of day, the expiry day and the SPOLIS monthly report's "previous
    month", from flows run in processes under TZ=UTC (still 31 December at 22:30 UTC) and
    TZ=Pacific/Kiritimati (UTC+14: already 1 January at 21:30 UTC): the same Riga answers."""
    config, env = _world(mock, f"sqlite:///{tmp_path / 'store.db'}", tmp_path, prefect_server)
    answers = []
    for zone in ("UTC", "Pacific/Kiritimati"):
        out = tmp_path / zone.replace("/", "-")
        ran = _run([sys.executable, "-c", DATES, str(config), str(out)],
                   {**env, "TZ": zone, "TILTS_NOW": instant}, timeout=600)  # fmt: skip
        assert ran.returncode == 0, ran.stderr[-3000:]
        answers.append(json.loads(ran.stdout.strip().splitlines()[-1]))
    assert answers[0] == answers[1]
    got = answers[0]
    assert got["nightly"] == f"nightly 0040000 {riga_day}"
    assert got["expiry"] == f"expiry 0040000 {riga_day}"
    assert got["expiry tasks"] == [f"expiry 0040000 {riga_day}"]  # the day the task was given
    assert got["monthly"] == f"spolis monthly 0040000 {last_month}"
    assert got["monthly periods"] == [last_month]  # the report the flow built
