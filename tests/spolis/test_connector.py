"""The SPOLIS client on the shared base, against the real mock: retries in the one layer,
refusals become fatal errors naming the ministry's code (never a personal code), the same
Idempotency-Key and body replay the first answer; and the migration matches the models."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tilts.connectors.base import Gateway
from tilts.connectors.spolis import SpolisClient
from tilts.connectors.xroad import Purpose
from tilts.kernel.audit import MemoryAuditSink
from tilts.kernel.config import GatewaySettings, demo_municipalities
from tilts.kernel.errors import FatalError
from tilts.mocks.harness import MockHandle
from tilts.shell.cli_spolis import exit_code
from tilts.store.db import make_engine
from tilts.store.models import Base
from tilts.store.models_spolis import SpolisBatch

from .conftest import OGRE, code_for

MUNI = demo_municipalities()["ogre"]


@pytest.fixture
def client(spolis_mock: MockHandle) -> Iterator[SpolisClient]:
    spolis_mock.reset()
    settings = GatewaySettings(
        base_url=spolis_mock.base_url, backoff_base_s=0.01, backoff_max_s=0.05
    )
    gateway = Gateway(
        settings, MUNI, "demo-ogre-secret", ["spolis.submit"], audit=MemoryAuditSink()
    )
    yield SpolisClient(gateway, Purpose("svc-test", "MK587-test"))
    spolis_mock.clear_faults()


def _record(code: str) -> dict[str, Any]:
    return {"recordId": "T-1:1", "version": 1, "personCode": code, "householdId": "HH-T",
            "householdSize": 1, "requestDate": "2026-10-01", "decisionDate": "2026-10-02",
            "kind": "STATUS_POOR", "outcome": "GRANTED", "refusalReason": None,
            "validFrom": "2026-10-01", "validTo": "2026-12-31", "monthlyAmount": None,
            "personCategory": "PENSION_AGE"}  # fmt: skip


def test_batches_retry_replay_and_refusals(client: SpolisClient, spolis_mock: MockHandle) -> None:
    code = code_for("1950-01-01")
    body = {"municipality": OGRE, "records": [_record(code)]}
    key = str(uuid.uuid4())
    spolis_mock.add_fault(
        service="spolis", operation="submitDecisions", kind="http_status", status=503, count=1
    )
    first = client.submit_batch("DECISION", body, key)
    assert client.gateway.stats.retries == 1 and len(first["accepted"]) == 1
    assert client.submit_batch("DECISION", body, key) == first  # replayed, not processed twice
    with pytest.raises(FatalError, match="HTTP 409 IDEMPOTENCY_CONFLICT") as conflict:
        client.submit_batch(
            "DECISION", {**body, "records": [{**_record(code), "householdSize": 2}]}, key
        )
    with pytest.raises(FatalError, match="HTTP 403 WRONG_MUNICIPALITY") as wrong:
        client.submit_batch("DECISION", {**body, "municipality": "0051000"}, str(uuid.uuid4()))
    assert code not in str(conflict.value) + str(wrong.value)
    assert client.get_report("MONTHLY", OGRE, "2026-10") == []
    assert client.cofinancing(OGRE, "2026-10")["status"] == "PENDING"
    [check] = client.benefit_checks([code], "2026-10", ["BENEFIT_GMI"])
    assert (check["status"], check["otherMunicipalities"]) == ("CHECKED", [])


@pytest.mark.postgres
def test_migration_0004_matches_the_models(store_url: str) -> None:
    engine = make_engine(store_url)
    spolis_tables = {t for t in Base.metadata.tables if t.startswith("spolis_")}
    assert SpolisBatch.__tablename__ in spolis_tables
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    engine.dispose()
    ours = [d for d in diff if any(t in repr(d) for t in spolis_tables)]
    assert ours == []


def test_exit_codes() -> None:
    assert exit_code({"failures": [], "quarantined": 0, "submissions_rejected": 0}) == 0
    assert exit_code({"failures": [], "quarantined": 0, "submissions_rejected": 2}) == 1
    assert exit_code({"failures": [], "quarantined": 1}) == 1
    assert exit_code({"failures": ["0040000 decision batch 1: UnreachableError: gave up"]}) == 3
    assert (
        exit_code({"failures": ["0040000 monthly 2026-10 REJECTED: version: STALE_VERSION"]}) == 1
    )
