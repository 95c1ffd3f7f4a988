"""``sync_population`` end to end: real mock server, real store (SQLite and PostgreSQL), real Prefect runs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tilts.flows.runtime import open_store
from tilts.flows.sync_population import sync_population
from tilts.kernel.config import load_settings
from tilts.mocks.harness import MockHandle
from tilts.store.models import AuditLog, Person, PersonCode, Quarantine, RegistryFact, SyncCursor


def _factory(config: Path):  # type: ignore[no-untyped-def]
    return open_store(load_settings(config).store.url)[1]


def _state(config: Path) -> dict[str, object]:
    """What a converged store looks like: persons, codes, current facts by content."""
    with _factory(config)() as s:
        persons = sorted(
            s.execute(select(Person.person_code, Person.death_date, Person.address_atvk)).all()
        )
        codes = sorted(s.execute(select(PersonCode.code, PersonCode.is_current)).all())
        facts = sorted(
            s.execute(
                select(
                    Person.person_code,
                    RegistryFact.kind,
                    RegistryFact.fact_key,
                    RegistryFact.content_hash,
                )
                .join(Person, Person.id == RegistryFact.person_id)
                .where(RegistryFact.superseded_at.is_(None))
            ).all()
        )
    return {"persons": persons, "codes": codes, "facts": facts}


@pytest.mark.postgres
def test_first_sync_then_incremental_after_clock_advance(
    config: Path, flow_mock: MockHandle
) -> None:
    first = sync_population(config_path=str(config))
    assert first["failures"] == []
    assert first["persons_considered"] > 100
    assert (
        first["records_changed"]
        == first["persons_considered"]
        - first["not_found"]
        - first["invalid"]
        - first["quarantined"]
    )
    factory = _factory(config)
    with factory() as s:
        fetched = s.scalar(
            select(func.count()).select_from(Person).where(Person.lookup_result == "FOUND")
        )
        assert fetched == first["records_changed"]
        assert s.scalar(select(func.count()).select_from(SyncCursor)) == 2
        audit_rows = s.scalar(select(func.count()).select_from(AuditLog))
        assert audit_rows == first["registry_calls"]
        persons_before = s.scalar(select(func.count()).select_from(Person))

    flow_mock.advance(30, change_rate=0.01)
    second = sync_population(config_path=str(config))
    assert second["failures"] == []
    assert 0 < second["persons_considered"] < first["persons_considered"]
    with factory() as s:
        # code changes re-key: never a second person
        assert s.scalar(select(func.count()).select_from(Person)) == persons_before
        assert (
            second["deaths"] + second["moved_out"] + second["rekeyed"] + second["records_changed"]
            > 0
        )
        assert (
            s.scalar(
                select(func.count()).select_from(PersonCode).where(PersonCode.is_current.is_(False))
            )
            >= second["rekeyed"]
        )

    # a third night with nothing new changes nothing
    third = sync_population(config_path=str(config))
    assert third["records_changed"] == 0


@pytest.mark.postgres
def test_cursor_not_advanced_when_the_commit_fails(config: Path, flow_mock: MockHandle) -> None:
    sync_population(config_path=str(config))
    factory = _factory(config)
    with factory() as s:
        cursors_before = dict(
            s.execute(select(SyncCursor.municipality_id, SyncCursor.cursor)).all()
        )
    flow_mock.advance(30, change_rate=0.02)
    engine = factory.kw["bind"]
    dialect = engine.dialect.name
    with engine.begin() as conn:  # a real database failure on every fact insert
        if dialect == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON registry_fact BEGIN SELECT RAISE(ABORT, 'disk full'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON registry_fact FOR EACH ROW EXECUTE FUNCTION refuse()"
                )
            )
    failed = sync_population(config_path=str(config))
    assert failed["failures"] and "StoreError" in failed["failures"][0]
    assert failed["will_retry"]
    with factory() as s:
        assert (
            dict(s.execute(select(SyncCursor.municipality_id, SyncCursor.cursor)).all())
            == cursors_before
        )
    with engine.begin() as conn:
        conn.execute(
            text("DROP TRIGGER refuse" + ("" if dialect == "sqlite" else " ON registry_fact"))
        )
    healed = sync_population(config_path=str(config))
    assert healed["failures"] == [] and healed["records_changed"] > 0


def test_registry_outage_fails_chunks_not_the_run(config: Path, flow_mock: MockHandle) -> None:
    flow_mock.admin_post(
        "faults",
        {
            "service": "pmlp",
            "operation": "getPersons",
            "kind": "http_status",
            "status": 503,
            "rate": 1.0,
        },
    )
    figures = sync_population(config_path=str(config))
    assert figures["failures"] and all("Unreachable" in f for f in figures["failures"])
    with _factory(config)() as s:
        assert s.scalar(select(func.count()).select_from(SyncCursor)) == 0


def test_bad_records_are_quarantined_and_the_rest_go_on(
    config: Path, flow_mock: MockHandle
) -> None:
    flow_mock.admin_post(
        "faults",
        {"service": "pmlp", "operation": "getPersons", "kind": "malformed", "count": 1},
    )
    figures = sync_population(config_path=str(config))
    assert figures["failures"] == []
    assert figures["quarantined"] >= 1
    with _factory(config)() as s:
        reasons = s.scalars(select(Quarantine.reason)).all()
        refs = s.scalars(select(Quarantine.record_ref)).all()
    assert any("does not parse" in r for r in reasons)
    assert all("****" in ref for ref in refs)
    assert figures["records_changed"] > 0


def test_a_later_clean_fetch_resolves_a_whole_response_fault(
    config: Path, flow_mock: MockHandle
) -> None:
    flow_mock.add_fault(service="pmlp", operation="getPersons", kind="malformed", count=1)
    first = sync_population(config_path=str(config))
    assert first["quarantined"] >= 1
    with _factory(config)() as s:
        assert set(s.scalars(select(Quarantine.status))) == {"OPEN"}
    sync_population(config_path=str(config))  # the batch's persons, never fetched, come again
    with _factory(config)() as s:
        states = s.scalars(select(Quarantine.status)).all()
    assert len(states) == first["quarantined"] and set(states) == {"RESOLVED"}


def test_a_backfill_fetches_everyone_and_keeps_the_cursor(
    config: Path, flow_mock: MockHandle
) -> None:
    sync_population(config_path=str(config))
    cursor = select(SyncCursor.cursor).where(SyncCursor.service == "pmlp.changes")
    with _factory(config)() as s:
        before = s.scalar(cursor)
        subjects = s.scalar(select(func.count()).select_from(Person))
    figures = sync_population(config_path=str(config), as_of="2026-01-15", backfill=True)
    assert figures["failures"] == [] and figures["persons_considered"] == subjects
    with _factory(config)() as s:
        assert s.scalar(cursor) == before  # a backfill never moves the change feed
        fetched = select(func.count()).where(Person.population_fetched_at.is_not(None))
        assert s.scalar(fetched) == 0  # the next night brings everyone back to today


def test_no_personal_code_in_logs_or_artifacts(
    config: Path, flow_mock: MockHandle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sync_population(config_path=str(config))
    flow_mock.advance(10, change_rate=0.02)
    sync_population(config_path=str(config))
    with _factory(config)() as s:
        codes = set(s.scalars(select(PersonCode.code)))
        names = {n for n in s.scalars(select(Person.surname)) if n}
    from prefect.client.orchestration import get_client

    async def artifacts() -> list[str]:
        async with get_client() as client:
            found = await client.read_artifacts(limit=200)
            assert found, "the runs left no artifacts"
            return [str(a.data) + str(a.description) for a in found]

    import asyncio

    texts = (
        [r.getMessage() for r in caplog.records]
        + [r.exc_text or "" for r in caplog.records]
        + asyncio.run(artifacts())
    )
    blob = "\n".join(texts)
    assert len(codes) > 100
    assert not [c for c in codes if c in blob]
    assert not [n for n in names if n in blob]


def test_quarantine_list_retry_discard(config: Path, flow_mock: MockHandle) -> None:
    import subprocess
    import sys

    def tilts(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tilts.shell.cli", *args, "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=120,
        )

    flow_mock.add_fault(service="pmlp", operation="getPersons", kind="malformed", count=2)
    first = sync_population(config_path=str(config))
    assert first["quarantined"] >= 2
    listed = tilts("quarantine", "list", "--service", "pmlp")
    assert listed.returncode == 0 and "does not parse" in listed.stdout
    with _factory(config)() as s:
        codes = set(s.scalars(select(PersonCode.code)))
        ids = sorted(s.scalars(select(Quarantine.id)))
    assert not [c for c in codes if c in listed.stdout]
    assert tilts("quarantine", "retry").returncode == 2  # nothing named: refused
    discarded = tilts("quarantine", "discard", str(ids[0]))
    assert discarded.returncode == 0 and "1 record(s) discarded" in discarded.stdout
    assert "0 record(s)" in tilts("quarantine", "retry", "--reason", "does not parse").stdout
    with _factory(config)() as s:  # --reason is the exact text, not a substring
        reasons = set(s.scalars(select(Quarantine.reason).where(Quarantine.status == "OPEN")))
    retried = [tilts("quarantine", "retry", "--reason", reason) for reason in sorted(reasons)]
    assert all(r.returncode == 0 for r in retried)
    assert sum(int(r.stdout.split()[0]) for r in retried) == len(ids) - 1
    again = sync_population(config_path=str(config))
    assert again["quarantined"] == 0 and again["records_changed"] >= len(ids) - 1
    with _factory(config)() as s:
        states = sorted(s.scalars(select(Quarantine.status)))
    assert states == sorted(["DISCARDED"] + ["RETRIED"] * (len(ids) - 1))
    assert tilts("quarantine", "list").stdout.strip() == ""


def test_every_run_leaves_progress_and_summary_artifacts(config: Path) -> None:
    import asyncio

    from prefect.client.orchestration import get_client

    sync_population(config_path=str(config))

    async def artifacts() -> list[tuple[str, str, object]]:
        async with get_client() as client:
            found = await client.read_artifacts(limit=200)
            return [(a.type or "", a.description or "", a.data) for a in found]

    found = asyncio.run(artifacts())
    assert ("progress", "sync_population running", 100.0) in found
    assert any(t == "progress" and d == "persons processed" for t, d, _ in found)
    assert any(t == "markdown" and d == "sync_population summary" for t, d, _ in found)
