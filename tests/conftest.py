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
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text

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

# Python writes its bytecode caches here even where the environment says not to (this machine
# kind sets PYTHONDONTWRITEBYTECODE=1): the suite starts hundreds of `tilts` processes, Prefect
# servers and workers, and without the caches each compiled Prefect, pandas, SQLAlchemy and the
# project from source again, ~4 s of CPU per process (measured: `tilts sync population
# --municipality ogr` 6.5 s of CPU without the caches, 2.8 s with them).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

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


# A store per test, migrated: running the Alembic migrations takes one to three seconds on a
# busy two-core machine, for each of ~200 tests. They run once per test process instead (one
# per pytest-xdist worker): SQLite's migrated file is copied for each test; on PostgreSQL the
# statements the migrations sent to an empty schema are recorded and sent again, in one
# transaction, to each test's fresh schema (the migrations write only unqualified names, so
# the schema's search path places them). A replayed schema is compared with a migrated one
# before any test uses one (_pg_catalog).


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite store migrated to head, once per test process."""
    path = tmp_path_factory.mktemp("store-template") / "store.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection closed: the WAL is checkpointed into the file
    assert not Path(f"{path}-wal").exists()
    return path


Recorded = list[tuple[str, Any, bool]]


def _pg_catalog(base: str, schema: str) -> list[tuple[Any, ...]]:
    """What a schema holds (tables, columns, constraints, indexes, types, rows of the version
    table), its own name left out."""
    engine = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    queries = (
        "SELECT table_name, column_name, ordinal_position, data_type, is_nullable,"
        " column_default FROM information_schema.columns WHERE table_schema = :s",
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)"
        " FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace"
        " WHERE n.nspname = :s",
        "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = :s",
        "SELECT t.typname, t.typtype FROM pg_type t JOIN pg_namespace n"
        " ON n.oid = t.typnamespace WHERE n.nspname = :s",
        f'SELECT version_num FROM "{schema}".alembic_version',
    )
    try:
        with engine.connect() as conn:
            rows = [
                tuple(str(v).replace(schema, "<schema>") for v in row)
                for query in queries
                for row in conn.execute(text(query), {"s": schema})
            ]
    finally:
        engine.dispose()
    return sorted(rows)


def _pg_replay(url: str, recorded: Recorded) -> None:
    """Send ``recorded`` statements, as the driver got them, in one transaction."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")  # a test's store
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            for statement, parameters, many in recorded:
                if many:
                    cursor.executemany(statement, parameters)
                else:
                    cursor.execute(statement, parameters)
            cursor.close()
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def _pg_migration() -> Recorded:
    """The statements the migrations send to an empty PostgreSQL schema, once per process;
    a schema they were replayed into must hold what the migrated one holds."""
    assert PG_URL
    url, schema = _pg_schema_url(PG_URL)
    engine = make_engine(url)
    recorded: Recorded = []

    def record(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, many: bool) -> None:
        recorded.append((statement, params, many))

    event.listen(engine, "before_cursor_execute", record)
    probe: str | None = None
    try:
        upgrade(engine)
        engine.dispose()
        probe_url, probe = _pg_schema_url(PG_URL)
        _pg_replay(probe_url, recorded)
        assert _pg_catalog(PG_URL, probe) == _pg_catalog(PG_URL, schema)
    finally:
        engine.dispose()
        _pg_drop(PG_URL, schema)
        if probe:
            _pg_drop(PG_URL, probe)
    return recorded


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty store: SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        store = tmp_path / "store.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), store)
        yield f"sqlite:///{store}"
        return
    if not PG_URL:
        pytest.skip(PG_SKIP)
    recorded = request.getfixturevalue("_pg_migration")
    url, schema = _pg_schema_url(PG_URL)
    try:
        _pg_replay(url, recorded)
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


@pytest.fixture(scope="session")
def prefect_api(prefect_harness: None) -> dict[str, str]:
    """``PREFECT_API_URL`` of this test process's Prefect server (the harness's), for the
    ``tilts`` processes a test starts that run a flow: without it each of them starts an
    ephemeral API of its own, a server process importing and starting Prefect's server (~8 s
    of CPU, ~15 s on a loaded two-core machine) for a flow of a second."""
    from prefect.settings import PREFECT_API_URL

    return {"PREFECT_API_URL": str(PREFECT_API_URL.value())}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):  # type: ignore[no-untyped-def]
    """``-n auto``: one worker more than the cores. Much of the suite waits (servers starting,
    timeouts waited out, a schedule's minute) rather than computes: a CI run with a worker per
    core held the two cores at a load average of about 1.5."""
    return (os.cpu_count() or 1) + 1


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):  # type: ignore[no-untyped-def]
    """pytest-xdist's ``--dist loadfile``, the longest files first (tests/scheduling.py)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from tests.scheduling import LongestFileFirst

    return LongestFileFirst(config, log)


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
