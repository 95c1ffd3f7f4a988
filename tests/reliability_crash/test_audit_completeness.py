"""Audit completeness: every call any connector made has exactly one audit row, with its
purpose and user; a query without a purpose is refused before it leaves the process.

The mock gateway journals every request that reached a service (``/_admin/journal``); the
store's ``audit_log`` is what Tilts recorded. A nightly sync (every registry, then the
re-assessment and the notification delivery), a further delivery run and the SPOLIS daily
submissions run against the mocks; then both sides are matched message by message.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.outbox.conftest import build_world, granted, revoked
from tests.outbox.conftest import write_config as outbox_config
from tests.reliability_crash.conftest import PERSONS, SEED, migrated
from tilts.flows.nightly import nightly_sync
from tilts.flows.notify import deliver_notifications
from tilts.flows.spolis import spolis_daily
from tilts.flows.sync_population import sync_population
from tilts.mocks.gateway.journal import scrub
from tilts.mocks.harness import MockHandle
from tilts.mocks.world.population import Population
from tilts.registries import services
from tilts.store.db import make_engine, session_factory
from tilts.store.models import AuditLog, RegistryFact
from tilts.store.models_outbox import Notification

REGISTRY_SERVICES = set(services())  # every registry of the table
ISSUE, USER = "MK809-test", "LVsvc-test"  # tests/outbox/conftest.py's configuration


@pytest.mark.postgres
def test_every_call_has_exactly_one_audit_row_with_purpose_and_user(
    tmp_path: Path, store_url: str, rel_mock: MockHandle, demo_secrets: None,
    prefect_harness: None,
) -> None:  # fmt: skip
    population = Population(SEED, PERSONS, today=rel_mock.config.today)
    world = build_world(tmp_path, store_url, rel_mock, population, households=4)
    decisions = [granted(h, f"{h}-1") for h in world.households]
    decisions.append(revoked(world.households[0], "R-1", f"{world.households[0]}-1",
                             population.today))  # fmt: skip
    world.record(decisions)
    config = str(world.config)
    # retried calls are calls too: each attempt is its own message with its own row
    rel_mock.add_fault(service="vsaa", kind="http_status", status=503, count=2)
    rel_mock.add_fault(service="ugfa", kind="http_status", status=503, count=1)
    rel_mock.add_fault(service="spolis", kind="http_status", status=503, count=1)
    rel_mock.add_fault(service="recipient-jpa", kind="http_status", status=502, count=1)

    nightly = nightly_sync(config_path=config, as_of=population.today.isoformat())
    delivery = deliver_notifications(config_path=config)
    spolis = spolis_daily(config_path=config)
    assert nightly["failures"] == delivery["failures"] == [], (nightly, delivery)
    assert spolis["decisions"]["failures"] == spolis["payments"]["failures"] == []
    assert spolis["decisions"]["submissions_accepted"] > 0

    journal = [e for e in rel_mock.journal() if e["service"] != "gateway"]  # /token: no purpose
    with world.factory() as s:
        audit = list(s.scalars(select(AuditLog)))
        delivered = s.scalar(
            select(func.count()).select_from(Notification).where(Notification.state == "DELIVERED")
        )
    assert Counter(e["status"] for e in journal if e["status"] >= 500) == {503: 4, 502: 1}
    services = Counter(e["service"] for e in journal)
    assert set(services) >= REGISTRY_SERVICES | {"spolis"}
    assert sum(n for s, n in services.items() if s.startswith("recipient-")) == delivered + 1
    assert Counter(a.service for a in audit) == services  # the same count per service

    # one to one by message id (the journal masks digit runs that could be personal codes,
    # UUIDs' included: the audit side is masked the same way to compare); a fault injected
    # before the gateway reads the X-Road headers is journalled without one: those by status
    by_id = {(a.service, scrub(a.message_id)): a for a in audit}
    assert len(by_id) == len(audit) == len(journal)
    anonymous: Counter[tuple[str, int]] = Counter()
    for entry in journal:
        if entry["messageId"] is None:
            assert entry["injectedFault"], entry
            anonymous[(entry["service"], entry["status"])] += 1
            continue
        row = by_id.pop((entry["service"], entry["messageId"]))
        assert (row.purpose, row.user_id) == (ISSUE, USER) == (entry["issue"], entry["userId"])
        assert row.http_status == entry["status"] and row.batch_size >= 1
    assert Counter((a.service, a.http_status) for a in by_id.values()) == anonymous
    for row in audit:
        assert (row.purpose, row.user_id) == (ISSUE, USER) and row.message_id and row.run_id
        assert row.client == world.settings.municipality("0040000").member_code
    world.engine.dispose()


def _config_without(tmp_path: Path, mock: MockHandle, url: str, missing: str) -> Path:
    path = tmp_path / "no-purpose.toml"
    outbox_config(path, mock.base_url, url, {"jpa": ""})
    text = path.read_text(encoding="utf-8")
    if missing == "issue":
        text = text.replace(f'issue = "{ISSUE}"', 'issue = ""')
    else:
        text = text.replace(f'user_id = "{USER}"', 'user_id = ""')
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("missing", ["issue", "user_id"])
def test_without_a_purpose_nothing_leaves_the_process(
    missing: str, tmp_path: Path, rel_mock: MockHandle, demo_secrets: None,
    prefect_harness: None,
) -> None:  # fmt: skip
    """A municipality configured without its legal basis (or a job without its user): every
    flow refuses each call locally; the gateway sees no request at all, not even for a token."""
    population = Population(SEED, PERSONS, today=rel_mock.config.today)
    world = build_world(tmp_path, migrated(tmp_path / "store.db"), rel_mock, population,
                        households=2, recipients={"jpa": ""})  # fmt: skip
    world.record([granted(h, f"{h}-1") for h in world.households])
    config = _config_without(tmp_path, rel_mock, world.url, missing)

    runs: list[dict[str, Any]] = [
        sync_population(config_path=str(config)),
        deliver_notifications(config_path=str(config)),
        *spolis_daily(config_path=str(config)).values(),
    ]
    refused = [f for run in runs for f in run["failures"]]
    assert refused and all("MissingPurposeError" in f for f in refused), refused
    assert len({run["flow"] for run in runs if run["failures"]}) >= 3  # each flow refused
    assert rel_mock.journal() == []
    engine = make_engine(world.url)
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog)) == 0
        assert s.scalar(select(func.count()).select_from(RegistryFact)) == 0
    engine.dispose()
    world.engine.dispose()
