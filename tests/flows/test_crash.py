"""Crash convergence: kill ``tilts sync population`` mid-run, re-run, compare with a clean run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from tilts.flows.sync_population import sync_population
from tilts.mocks.harness import MockHandle
from tilts.shell.demo import seed_caseload, write_config
from tilts.store.models import Person, RegistryFact, SyncCursor

from .test_sync_population import _factory, _state


def _tilts() -> list[str]:
    return [sys.executable, "-m", "tilts.shell.cli"]


def test_killed_mid_run_then_rerun_converges(
    config: Path, flow_mock: MockHandle, tmp_path: Path
) -> None:
    import prefect.settings

    flow_mock.admin_post(
        "faults",
        {
            "service": "pmlp",
            "operation": "getPersons",
            "kind": "delay",
            "delaySeconds": 0.3,
            "rate": 1.0,
        },
    )
    env = {**os.environ, "PREFECT_API_URL": str(prefect.settings.PREFECT_API_URL.value() or "")}
    proc = subprocess.Popen(
        [*_tilts(), "sync", "population", "--chunk-size", "10", "--config", str(config)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    factory = _factory(config)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            with factory() as s:
                if s.scalar(select(func.count()).select_from(RegistryFact)):
                    break
            time.sleep(0.05)
        assert proc.poll() is None, "the sync ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(30)
    with factory() as s:
        assert (
            s.scalar(select(func.count()).select_from(SyncCursor)) == 0
        )  # cursor never ahead of data
        partial = s.scalar(
            select(func.count()).select_from(Person).where(Person.lookup_result.is_not(None))
        )
    flow_mock.admin_delete("faults")
    rerun = sync_population(config_path=str(config))
    assert rerun["failures"] == []

    # the same caseload synced once, cleanly, into a fresh SQLite store
    clean = tmp_path / "clean.toml"
    write_config(clean, flow_mock.base_url, f"sqlite:///{tmp_path / 'clean.db'}")
    sample = {atvk: flow_mock.sample(atvk, 400) for atvk in ("0040000", "0051000")}
    seed_caseload(clean, sample, households=60)
    sync_population(config_path=str(clean))
    crashed, reference = _state(config), _state(clean)
    assert partial > 0
    assert crashed == reference
