"""``prefect deploy --all`` against a real Prefect server on loopback, a process work pool and a
worker; the nightly deployment is triggered and runs to completion against the mocks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from tilts.flows.runtime import open_store
from tilts.kernel.config import load_settings
from tilts.mocks.harness import MockHandle, running_mocks
from tilts.shell.demo import DEMO_SECRETS, seed_caseload, write_config
from tilts.store.models import RegistryFact

from .conftest import stop

ROOT = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).parent / "prefect")


def _run(args: list[str], env: dict[str, str], cwd: Path = ROOT, log: Path | None = None) -> str:
    """Run a command; on failure say what it printed and the tail of ``log`` (a worker's)."""
    proc = subprocess.run(
        args, env={**env, "PWD": str(cwd)}, cwd=cwd, capture_output=True, text=True, timeout=300
    )
    tail = log.read_text(errors="replace")[-6000:] if log is not None and log.exists() else ""
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:] + tail
    return proc.stdout


def run_nightly_deployment(env: dict[str, str], cwd: Path, worker_log: Path) -> str:
    """``prefect deployment run nightly_sync/nightly-sync --watch``; the worker's log on failure."""
    watch = [PREFECT, "deployment", "run", "nightly_sync/nightly-sync", "--watch"]
    out = _run([*watch, "--watch-timeout", "240"], env, cwd, log=worker_log)
    assert "Completed" in out, out[-2000:] + worker_log.read_text(errors="replace")[-6000:]
    return out


@pytest.mark.slow
def test_deploy_all_and_run_the_nightly_deployment(
    prefect_server: dict[str, str], tmp_path: Path
) -> None:
    with running_mocks(persons=2000, seed=5) as mock:
        _deploy_and_run(prefect_server, tmp_path, mock)


def _deploy_and_run(env: dict[str, str], tmp_path: Path, mock: MockHandle) -> None:
    config = tmp_path / "tilts.toml"
    write_config(config, mock.base_url, f"sqlite:///{tmp_path / 'store.db'}")
    os.environ.update(DEMO_SECRETS)
    seed_caseload(config, {a: mock.sample(a, 200) for a in ("0040000", "0051000")}, households=20)
    env = {**env, **DEMO_SECRETS, "TILTS_CONFIG": str(config)}

    _run([PREFECT, "work-pool", "create", "tilts", "--type", "process"], env)
    out = _run([PREFECT, "--no-prompt", "deploy", "--all"], env)
    assert "nightly-sync" in out
    found = requests.post(
        f"{env['PREFECT_API_URL']}/deployments/filter", json={}, timeout=30
    ).json()
    by_name = {d["name"]: d for d in found}
    assert {"nightly-sync", "population-full-resync", "sync-income", "sync-property"} <= set(
        by_name
    )
    # outbound.md: delivery every 15 minutes, expiry at 00:30 (operations.md §5)
    assert by_name["deliver-notifications"]["schedules"][0]["schedule"]["cron"] == "*/15 * * * *"
    assert by_name["expire-statuses"]["schedules"][0]["schedule"]["cron"] == "30 0 * * *"
    nightly = by_name["nightly-sync"]
    schedules = [sc["schedule"] for sc in nightly["schedules"]]
    assert schedules == [{"cron": "0 2 * * *", "timezone": "Europe/Riga", "day_or": True}] or (
        schedules
        and schedules[0]["cron"] == "0 2 * * *"
        and schedules[0]["timezone"] == "Europe/Riga"
    )

    worker_log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - outlives this block
    worker = subprocess.Popen(
        [PREFECT, "worker", "start", "--pool", "tilts", "--limit", "1"],
        env=env,
        cwd=ROOT,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        run_nightly_deployment(env, ROOT, tmp_path / "worker.log")
    finally:
        stop(worker)
        worker_log.close()
    _, factory = open_store(load_settings(config).store.url)
    with factory() as s:
        sources = set(s.scalars(select(RegistryFact.source).distinct()))
        assert s.scalar(select(func.count()).select_from(RegistryFact)) > 0
    assert {"PMLP", "VDEAVK"} <= sources
    shutil.rmtree(tmp_path / "prefect-home", ignore_errors=True)


@pytest.mark.slow
def test_failure_automation_is_created_through_the_cli(prefect_server: dict[str, str]) -> None:
    env = prefect_server
    save_block = (
        "from prefect.blocks.notifications import SlackWebhook; "
        "SlackWebhook(url='http://127.0.0.1:9/hook').save('tilts-ops', overwrite=True)"
    )
    _run([sys.executable, "-c", save_block], env)
    tilts = [sys.executable, "-m", "tilts.shell.cli", "automation", "create"]
    for _ in range(2):  # a second run replaces the first, never duplicates it
        out = _run([*tilts, "--block", "slack-webhook/tilts-ops"], env)
        assert "notifies through slack-webhook/tilts-ops" in out
    found = requests.post(
        f"{env['PREFECT_API_URL']}/automations/filter", json={}, timeout=30
    ).json()
    mine = [a for a in found if a["name"] == "tilts-flow-run-failures"]
    assert len(mine) == 1
    trigger, actions = mine[0]["trigger"], mine[0]["actions"]
    assert set(trigger["expect"]) == {"prefect.flow-run.Failed", "prefect.flow-run.Crashed"}
    assert actions[0]["type"] == "send-notification"
    missing = subprocess.run(
        [*tilts, "--block", "slack-webhook/nope"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2 and "--block" in missing.stderr
