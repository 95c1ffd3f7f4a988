"""The load requirement under CI: ``bench load``'s scenario at 300 persons, 10 % transient
faults on every service the nightly talks to — nothing lost, and the proof can tell a loss; on
SQLite and on a database of its own on the PostgreSQL of ``TILTS_TEST_POSTGRES_URL``."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from sqlalchemy import delete, select, update

from bench.common import BenchWorld, bench_world
from bench.load import INBOUND, RECIPIENT_SERVICES, faulty_nights
from bench.load_proof import proof, store_of
from tilts.shell.demo import DEMO_SECRETS
from tilts.store.db import transaction
from tilts.store.models import RegistryFact, RegistryFetch
from tilts.store.models_outbox import Notification

from ..conftest import PG_SKIP, PG_URL

CHUNK = 200  # one chunk task per service and municipality (a task costs more than a call)
BATCH = 10  # persons per registry call: enough calls for a 10 % fault rate to bite


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world(
    request: pytest.FixtureRequest, prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[BenchWorld]:
    """The bench world of 300 persons, small registry batches, no flow-run heartbeats."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip(PG_SKIP)
        monkeypatch.setenv("TILTS_BENCH_POSTGRES_URL", PG_URL)

    for key, value in DEMO_SECRETS.items():
        monkeypatch.setenv(key, value)  # bench_world sets them; restored after the test
    for service in INBOUND:
        monkeypatch.setenv(f"TILTS_GATEWAY__SERVICES__{service.upper()}__BATCH_SIZE", str(BATCH))
    no_heartbeat = temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})
    with no_heartbeat, bench_world(300, store=request.param) as handle:
        yield handle
    shutil.rmtree(handle.work, ignore_errors=True)  # bench_world leaves its store behind


def _lose_some(world: BenchWorld) -> None:
    """What a loss looks like: three persons' VSAA answers never stored, one notification
    never delivered."""
    with transaction(store_of(world)) as s:
        persons = sorted(
            set(s.scalars(select(RegistryFact.person_id).where(RegistryFact.source == "VSAA")))
        )[:3]
        assert len(persons) == 3
        s.execute(delete(RegistryFact).where(
            RegistryFact.source == "VSAA", RegistryFact.person_id.in_(persons)))  # fmt: skip
        s.execute(delete(RegistryFetch).where(
            RegistryFetch.source == "VSAA", RegistryFetch.person_id.in_(persons)))  # fmt: skip
        first = s.scalar(select(Notification.id).order_by(Notification.id).limit(1))
        s.execute(update(Notification).where(Notification.id == first).values(state="PENDING"))


def test_nothing_lost_under_ten_percent_faults(world: BenchWorld) -> None:
    run = faulty_nights(world, fault_rate=0.1, chunk_size=CHUNK, decided_share=0.25)
    hit = run.faults
    assert sum(hit[f"faults_{s}"] for s in INBOUND) >= 5, hit
    assert sum(hit[f"faults_{s}"] for s in RECIPIENT_SERVICES) >= 2, hit
    assert sum(n["retried"] for n in run.nights) > 0, run.nights
    assert run.queued > 0
    assert sum(n["delivered"] for n in run.nights) == run.queued, run.nights
    assert run.nights[0]["changed"] >= world.subjects  # night 1 stored everyone's facts

    checked = proof(world, run.today, CHUNK)
    assert checked["lost"] == 0, checked
    assert all(v == 0 for k, v in checked.items() if k != "reference_wall_s"), checked

    _lose_some(world)
    again = proof(world, run.today, CHUNK)
    assert again["no_vsaa_answer"] == 3, again
    assert again["reference_changed"] == 3, again  # the clean night had to fetch them again
    assert again["undelivered"] == 1, again
    assert again["lost"] == 7, again
