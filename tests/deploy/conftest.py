"""A real Prefect server on a free loopback port for the deployment tests: one per test module
(starting one costs ~6 s), its scheduler service looping every 2 s instead of 60 s so that a
test sees the scheduled runs soon after deploying."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.ports import free_port

PREFECT = str(Path(sys.executable).parent / "prefect")


def stop(proc: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    """Stop a Prefect server or worker a test started (``start_new_session=True``): SIGTERM,
    then SIGKILL to its whole process group. A worker can hang in its own shutdown after every
    run it took has ended (seen on a loaded two-core machine: still up 60 s after SIGTERM, its
    cancellation observer polling a server already gone); the test's outcome is the runs', and
    nothing the worker started may outlive the test."""
    proc.terminate()
    try:
        proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    tmp_path = tmp_path_factory.mktemp("prefect-server")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "TILTS_"))}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_API_URL=f"http://127.0.0.1:{port}/api",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_UI_ENABLED="false",
        PREFECT_LOGGING_LEVEL="WARNING",
        PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="2",
        NO_PROXY="127.0.0.1,localhost",
    )
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 - outlives this block
    server = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300  # a loaded two-core machine is slow to start it
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/api/health", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            assert server.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
            time.sleep(0.5)
        else:
            pytest.fail("Prefect server did not start")
        yield env
    finally:
        stop(server)
        log.close()
