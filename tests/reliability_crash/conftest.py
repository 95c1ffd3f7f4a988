"""Reliability fixtures: one mock world for the package, stores cloned from templates, and a
runner that starts a flow as a process of its own with a crash point armed
(``TILTS_CRASH_AT``, :mod:`tilts.kernel.crashpoints`)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tilts.kernel.crashpoints import ENV
from tilts.mocks.config import DEFAULT_CLIENTS, MUNICIPALITY_SCOPES, ClientSpec
from tilts.mocks.harness import MockHandle, running_mocks
from tilts.shell.demo import DEMO_SECRETS
from tilts.store.db import make_engine, session_factory
from tilts.store.migrate import upgrade

SEED, PERSONS = 29, 1500
TILTS = str(Path(sys.executable).parent / "tilts")
# Ogre's second OAuth client, granted neither ``vid.income`` nor ``spolis.submit``
NARROW = ClientSpec("narrow-ogre", "narrow-ogre-secret",
                    tuple(s for s in MUNICIPALITY_SCOPES if s not in ("vid.income", "spolis.submit")),
                    "90000000040", "0040000", "Ogres novads (narrow)")  # fmt: skip


@pytest.fixture(scope="package")
def rel_mock() -> Iterator[MockHandle]:
    """The package's mock world (rate limits off: the crash runs are about state, not pace)."""
    clients = (*DEFAULT_CLIENTS, NARROW)
    with running_mocks(persons=PERSONS, seed=SEED, rate_limits=False, clients=clients) as handle:
        yield handle


@pytest.fixture(scope="package")
def demo_secrets() -> Iterator[None]:
    """The demo clients' secrets in the environment (inherited by the flow processes)."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in DEMO_SECRETS.items():
            mp.setenv(key, value)
        mp.setenv("TILTS_SECRET_NARROW_OGRE", NARROW.secret)
        mp.delenv(ENV, raising=False)
        yield


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def migrated(path: Path) -> str:
    """A migrated, empty SQLite store at ``path``; its URL."""
    url = sqlite_url(path)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def clone(template: Path, dest: Path) -> str:
    """A copy of a template store (the cheapest identical fresh store); its URL. SQLite's
    backup copies what the write-ahead log holds too."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(template)) as src, closing(sqlite3.connect(dest)) as dst:
        src.backup(dst)
    return sqlite_url(dest)


class Store:
    """An engine and session factory on a store URL, disposed by :meth:`close`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)
        self.factory: sessionmaker[Session] = session_factory(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def run_flow_process(args: list[str], log: Path, crash_at: str | None = None) -> int:
    """Run ``args`` as a process against the test harness's Prefect API; its return code
    (``-9`` when a crash point killed it). Output goes to ``log``."""
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()),
           "PREFECT_HOME": str(log.parent / "prefect-home"), "PREFECT_LOGGING_LEVEL": "WARNING"}  # fmt: skip
    env.pop(ENV, None)
    if crash_at:
        env[ENV] = crash_at
    with log.open("wb") as out:
        done = subprocess.run(args, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=180)
    return done.returncode


def python_flow(code: str) -> list[str]:
    """A flow without a CLI verb of its own, run as ``python -c``."""
    return [sys.executable, "-c", code]
