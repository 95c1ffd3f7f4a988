"""Shared fixtures: hermetic environment, a real store on SQLite and PostgreSQL, Prefect harness.

PostgreSQL runs when ``TILTS_TEST_POSTGRES_URL`` is set (``.ci/run`` sets it); otherwise those
runs are skipped and the summary says so. Each PostgreSQL test gets a schema of its own.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tilts.store.db import make_engine, session_factory
from tilts.store.migrate import upgrade

pytest_plugins = ["tilts.mocks.pytest_plugin"]

# A PREFECT_HOME of this test process's own (one per pytest-xdist worker), before anything reads
# Prefect's settings: the `tilts` processes the tests start inherit it, so two workers never
# share an ephemeral API's database, and no test reads or writes the user's ~/.prefect.
_PREFECT_HOME = tempfile.mkdtemp(
    prefix=f"tilts-prefect-{os.environ.get('PYTEST_XDIST_WORKER', 'gw')}-"
)
os.environ["PREFECT_HOME"] = _PREFECT_HOME
atexit.register(shutil.rmtree, _PREFECT_HOME, True)

# Prefect servers the tests start (the harness's, the deployment tests') send no telemetry.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# A loaded two-core machine can take longer than Prefect's 20 s to start the ephemeral API that a
# `tilts` process under test starts for itself (seen: "Timed out while attempting to connect").
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

PG_URL = os.environ.get("TILTS_TEST_POSTGRES_URL")
PG_SKIP = "PostgreSQL runs skipped: set TILTS_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)"


@pytest.fixture(autouse=True, scope="session")
def _hermetic() -> Iterator[None]:
    """No ambient Prefect server, proxies or config file leak into the tests."""
    saved = {
        k: os.environ.pop(k)
        for k in list(os.environ)
        if k
        in (
            "PREFECT_API_URL",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "http_proxy",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
            "TILTS_CONFIG",
        )
    }
    os.environ["NO_PROXY"] = "127.0.0.1,localhost"
    yield
    os.environ.update(saved)


def _pg_schema_url(base: str) -> tuple[str, str]:
    schema = "t_" + uuid.uuid4().hex[:12]
    engine = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", schema


def _pg_drop(base: str, schema: str) -> None:
    engine = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty store: SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        upgrade(make_engine(url))
        yield url
        return
    if not PG_URL:
        pytest.skip(PG_SKIP)
    url, schema = _pg_schema_url(PG_URL)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        _pg_drop(PG_URL, schema)


@pytest.fixture
def factory(store_url: str):  # type: ignore[no-untyped-def]
    """A session factory on the migrated store."""
    engine = make_engine(store_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """Prefect against a temporary local API (prefect_test_harness), without flow-run
    heartbeats: joining the heartbeat thread costs each flow run up to a second, and the tests
    watch their runs end themselves (production keeps Prefect's default)."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with (
        prefect_test_harness(server_startup_timeout=120),
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):  # type: ignore[no-untyped-def]
    """pytest-xdist: the fault-matrix cells a worker ran join the controller's matrix."""
    cells = getattr(node, "workeroutput", {}).get("fault_matrix")
    if cells:
        from tests.reliability import conftest as fault_matrix

        fault_matrix.MATRIX.update({(s, f): outcome for s, f, outcome in cells})


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    """The fault matrix the workers ran (tests/reliability/conftest.py prints it without
    xdist); say plainly when the PostgreSQL runs were skipped."""
    if hasattr(config, "workerinput") is False and "tests.reliability.conftest" in sys.modules:
        fault_matrix = sys.modules["tests.reliability.conftest"]
        registered = fault_matrix in config.pluginmanager.get_plugins()  # it prints itself
        if fault_matrix.MATRIX and not registered:
            terminalreporter.section(fault_matrix.TITLE)
            for line in fault_matrix.table():
                terminalreporter.write_line(line)
    if not PG_URL:
        terminalreporter.write_line(PG_SKIP, yellow=True)
