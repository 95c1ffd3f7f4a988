"""Shared set-up of the benchmarks: mocks in a subprocess, a fresh store, every person a subject."""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tilts.mocks.harness import MockHandle, running_mocks
from tilts.registries import contract_group, limits, per_person
from tilts.registries import services as registry_services


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """Resident memory of this process now, in MB (Linux ``/proc``)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


@contextmanager
def rss_trace(every_s: float = 10.0) -> Iterator[None]:
    """Print this process's resident memory to stderr every ``every_s`` seconds (the curve
    tells a leak, which keeps rising, from a working set, which levels off)."""
    stop = threading.Event()
    start = time.monotonic()

    def sample() -> None:
        while not stop.wait(every_s):
            print(f"rss t={time.monotonic() - start:.0f}s mb={rss_mb():.0f}", file=sys.stderr)

    thread = threading.Thread(target=sample, name="rss-trace", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@contextmanager
def profiled(name: str) -> Iterator[None]:
    """With ``BENCH_PROFILE=<name>``, py-spy samples every thread of this process during this
    part into ``bench-<name>.folded`` (collapsed stacks; py-spy is a developer's tool, not a
    dependency: ``pip install py-spy``)."""
    if os.environ.get("BENCH_PROFILE") != name:
        yield
        return
    out = Path(f"bench-{name}.folded").resolve()
    spy = subprocess.Popen(
        ["py-spy", "record", "-p", str(os.getpid()), "-o", str(out), "-f", "raw", "-r", "50",
         "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(1)  # attached
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(60)
        print(f"profile of {name}: {out}", file=sys.stderr)


@dataclass
class BenchWorld:
    """A running mock, a configured store and the number of subjects seeded."""

    mocks: MockHandle
    config: Path
    subjects: int
    work: Path


def write_bench_config(path: Path, base_url: str, store_url: str, unlimited: bool) -> None:
    """The demo configuration; ``unlimited`` lifts our client-side rate limits as well."""
    from tilts.shell.demo import write_config

    write_config(path, base_url, store_url)
    if unlimited:
        text = path.read_text(encoding="utf-8")
        services = "\n".join(
            f"services.{name} = {{ rate_per_s = 100000 }}"
            for name in (lim.name for lim in limits())
        )
        path.write_text(
            text.replace("[gateway]\n", f"[gateway]\n{services}\n", 1), encoding="utf-8"
        )


def switch_off(contract: str) -> None:
    """Switch off (``enabled = false``, in this process's environment, which the flows and the
    seeding process read) the registries whose wire format ``contract`` fixes: the bench
    measures the five core registries and the property lanes apart."""
    for service in set(contract_group(contract)) & set(per_person()):  # PMLP's lane always runs
        os.environ[f"TILTS_GATEWAY__SERVICES__{service.upper()}__ENABLED"] = "false"


def set_refresh_days(path: Path, days: int) -> None:
    """Make every per-person registry's refresh turn ``days`` long (store/fetches.py): with a
    long turn the incremental night asks the registries about the changed persons only."""
    text = path.read_text(encoding="utf-8")
    services = "\n".join(f"services.{name} = {{ refresh_days = {days} }}" for name in per_person())
    path.write_text(text.replace("[gateway]\n", f"[gateway]\n{services}\n", 1), encoding="utf-8")


def _households(
    mocks: MockHandle, atvk: str, per_batch: int = 5000
) -> Iterator[list[tuple[str, list[str]]]]:
    """The mock's households of ``atvk`` in batches, streamed page by page (a household's
    members are consecutive; one that continues on the next page waits for it)."""
    pending: dict[str, list[str]] = defaultdict(list)
    offset = 0
    while True:
        page = mocks.admin_get("persons", atvk=atvk, limit=20000, offset=offset)
        for p in page["persons"]:
            pending[str(p["householdId"])].append(p["personCode"])
        offset = page.get("nextOffset") or 0
        last = not offset or not page["persons"]
        if len(pending) > per_batch or last:
            items = list(pending.items())
            keep = [] if last else items[-1:]
            for start in range(0, len(items) - len(keep), per_batch):
                yield items[start : min(start + per_batch, len(items) - len(keep))]
            pending = defaultdict(list, keep)
        if last:
            return


def seed_store(config_path: str, base_url: str) -> int:
    """Every person of the mock's municipalities a subject of an open case, in a fresh store;
    returns how many subjects were seeded."""
    from tilts.flows.runtime import open_store
    from tilts.kernel.config import load_settings
    from tilts.mocks.config import MockConfig
    from tilts.store.caseload import seed_households
    from tilts.store.db import transaction
    from tilts.store.ops import ensure_municipality

    settings = load_settings(Path(config_path))
    _, factory = open_store(settings.store.url)
    mocks = MockHandle(base_url, MockConfig())
    subjects = 0
    for muni in settings.municipalities.values():
        with transaction(factory) as s:
            mid = ensure_municipality(s, muni.atvk, muni.name)
        for households in _households(mocks, muni.atvk):
            with transaction(factory) as s:
                seed_households(s, mid, households, opened_on=date.today())
            subjects += sum(len(codes) for _, codes in households)
    return subjects


#: The local PostgreSQL the bench makes its database on (``--store postgresql``)
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


@contextmanager
def fresh_store(kind: str, work: Path) -> Iterator[str]:
    """A store URL for one measurement: a SQLite file in ``work``, or a database of its own on
    the local PostgreSQL (``TILTS_BENCH_POSTGRES_URL``, default :data:`POSTGRES_URL`), made
    here and dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{work / 'bench.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(os.environ.get("TILTS_BENCH_POSTGRES_URL", POSTGRES_URL))
    admin = create_engine(base.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    name = f"tilts_bench_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def bench_world(
    persons: int, *, unlimited: bool = False, latency_ms: int = 0, store: str = "sqlite"
) -> Iterator[BenchWorld]:
    """Mocks with ``persons`` persons, a fresh store (``sqlite`` or ``postgresql``), every
    sampled person a subject."""
    from tilts.shell.demo import DEMO_SECRETS

    os.environ.update(DEMO_SECRETS)
    work = Path(tempfile.mkdtemp(prefix="tilts-bench-"))
    config = work / "tilts.toml"
    options: dict[str, object] = {"persons": persons, "subprocess": True}
    if unlimited:
        options["rate_limits"] = False
    with running_mocks(**options) as mocks, fresh_store(store, work) as url:  # type: ignore[arg-type]
        if latency_ms:
            for service in registry_services():
                mocks.add_fault(
                    service=service, kind="delay", delaySeconds=latency_ms / 1000, rate=1.0
                )
        write_bench_config(config, mocks.base_url, url, unlimited)
        # seeding is the harness's work: in a process of its own, so that this process's
        # peak memory is the pipeline's alone
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
            subjects = pool.submit(seed_store, str(config), mocks.base_url).result()
        yield BenchWorld(mocks, config, subjects, work)


def sample_codes(world: BenchWorld, n: int) -> list[str]:
    """Personal codes of ``n`` subjects of the first municipality (never printed)."""
    from sqlalchemy import select

    from tilts.flows.runtime import open_store
    from tilts.kernel.config import load_settings
    from tilts.store.models import Person

    settings = load_settings(world.config)
    _, factory = open_store(settings.store.url)
    with factory() as s:
        return list(s.scalars(select(Person.person_code).order_by(Person.id).limit(n)))


def rate_bound_s(journal: list[dict[str, object]]) -> float:
    """The night's rate-limit bound in seconds: for each service the calls it answered, each
    operation's at that operation's limit (the mocks' specs, registries.md §1.4) added up —
    a lane asks its operations in turn — and the slowest service's sum (the lanes run side by
    side)."""
    from tilts.mocks.services import SERVICES

    rates = {
        (m.spec.name, op.name): op.rate_per_s
        for m in SERVICES
        for op in m.spec.operations
        if op.rate_per_s
    }
    per_service: dict[str, float] = defaultdict(float)
    for entry in journal:
        key = (str(entry["service"]), str(entry["operation"]))
        if key in rates:
            per_service[key[0]] += 1 / rates[key]
    return max(per_service.values(), default=0.0)
