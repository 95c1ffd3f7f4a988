"""``nightly_sync`` across all five registries: real mocks, real store, real Prefect runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from tilts.flows.nightly import nightly_sync
from tilts.flows.work.registries import months_to_fetch
from tilts.kernel.errors import RunFailed
from tilts.mocks.harness import MockHandle
from tilts.store.models import RegistryFact, SyncCursor

from .test_sync_population import _factory


def _facts_by_source(config: Path) -> dict[str, int]:
    with _factory(config)() as s:
        rows = s.execute(
            select(RegistryFact.source, RegistryFact.kind, func.count())
            .where(RegistryFact.superseded_at.is_(None))
            .group_by(RegistryFact.source, RegistryFact.kind)
        ).all()
    return {f"{src}.{kind}": n for src, kind, n in rows}


@pytest.mark.postgres
def test_nightly_stores_every_registry_and_refills_late_months(
    config: Path, flow_mock: MockHandle
) -> None:
    today = flow_mock.admin_get("clock")["today"]
    first = nightly_sync(config_path=str(config), as_of=today)
    assert first["failures"] == [], first["failures"]
    counts = _facts_by_source(config)
    for kind in (
        "PMLP.BASIC",
        "VDEAVK.DISABILITY",
        "VSAA.PAYMENT",
        "VID.INCOME",
        "VID.EMPLOYMENT",
        "NVA.REGISTRATION",
        "VZD.PROPERTY_RIGHT",
        "CSDD.VEHICLE",
    ):
        assert counts.get(kind, 0) > 0, (kind, counts)
    factory = _factory(config)
    with factory() as s:
        cursors = dict(s.execute(select(SyncCursor.service, SyncCursor.cursor)).all())
    assert "vsaa.complete_through" in cursors and "vid.complete_through" in cursors

    # a month later: late VID months fill in; the re-fetched month's figures change, and
    # the store still answers what we knew before
    from datetime import UTC, datetime

    between = datetime.now(UTC)
    late_month = cursors["vid.complete_through"]
    late_month = (
        f"{late_month[:4]}-{int(late_month[5:]) + 1:02d}"
        if late_month[5:] != "12"
        else f"{int(late_month[:4]) + 1}-01"
    )
    flow_mock.advance(30, change_rate=0.002)
    later = flow_mock.admin_get("clock")["today"]
    second = nightly_sync(config_path=str(config), as_of=later)
    assert second["failures"] == [], second["failures"]
    with factory() as s:

        def month_total(known_at: datetime) -> int:
            return s.scalar(
                select(func.count())
                .select_from(RegistryFact)
                .where(
                    RegistryFact.source == "VID",
                    RegistryFact.kind == "INCOME",
                    RegistryFact.period == late_month,
                    RegistryFact.fetched_at <= known_at,
                    (RegistryFact.superseded_at.is_(None))
                    | (RegistryFact.superseded_at > known_at),
                )
            )

        before, now_known = month_total(between), month_total(datetime.now(UTC))
        new_months = s.scalar(
            select(func.count())
            .select_from(RegistryFact)
            .where(RegistryFact.source == "VSAA", RegistryFact.period > today[:7])
        )
    assert now_known > before, "a month that filled in must change the stored figures"
    assert new_months > 0

    # nothing new: nothing changes
    third = nightly_sync(config_path=str(config), as_of=later)
    assert third["records_changed"] == 0


def test_one_failing_service_does_not_stop_the_others(config: Path, flow_mock: MockHandle) -> None:
    flow_mock.add_fault(service="nva", kind="http_status", status=503, rate=1.0)
    with pytest.raises(RunFailed) as failed:  # the run ends Failed (tests/flows/test_run_states.py)
        nightly_sync(config_path=str(config), as_of=flow_mock.admin_get("clock")["today"])
    figures = failed.value.figures
    assert figures["failures"] and all(" nva " in f for f in figures["failures"])
    assert any("nva" in r for r in figures["will_retry"])
    counts = _facts_by_source(config)
    assert counts.get("NVA.REGISTRATION", 0) == 0
    assert counts.get("VSAA.PAYMENT", 0) > 0 and counts.get("VDEAVK.DISABILITY", 0) > 0


def test_income_months_window() -> None:
    from datetime import date

    assert months_to_fetch(date(2026, 11, 3), None) == ("2026-08", "2026-09", "2026-10", "2026-11")
    assert months_to_fetch(date(2026, 11, 3), "2026-06")[0] == "2026-07"
    assert len(months_to_fetch(date(2026, 11, 3), "2020-01")) == 12
    # LAD's 12-month look-back (property.md §5): the 12 full months, every run
    lad = months_to_fetch(date(2026, 11, 3), None, 12)
    assert (lad[0], lad[-1], len(lad)) == ("2025-11", "2026-10", 12)
    assert months_to_fetch(date(2026, 11, 3), "2026-10", 12) == lad


@pytest.mark.postgres
def test_the_next_night_asks_each_registry_about_the_due_persons_only(
    config: Path, flow_mock: MockHandle
) -> None:
    """store/fetches.py's policy end to end: after a first night, VDEĀVK (28 days) and NVA (7)
    are asked about exactly the persons PMLP named and those whose turn it is; small chunks
    make the planner gather sparse pages into chunks of due ids (flows/work/chunks.py)."""
    from datetime import UTC, date, datetime

    from tilts.store.models import Municipality, Person, RegistryFetch
    from tilts.store.persons import open_case_subjects_query

    today = flow_mock.admin_get("clock")["today"]
    assert nightly_sync(config_path=str(config), as_of=today, chunk_size=50)["failures"] == []
    between = datetime.now(UTC)
    flow_mock.advance(1, change_rate=0.05)
    tomorrow = flow_mock.admin_get("clock")["today"]
    second = nightly_sync(config_path=str(config), as_of=tomorrow, chunk_size=50)
    assert second["failures"] == [], second["failures"]
    day = date.fromisoformat(tomorrow)
    with _factory(config)() as s:
        subjects = {
            pid
            for mid in s.scalars(select(Municipality.id))
            for pid in s.scalars(open_case_subjects_query(mid))
        }
        answerable = set(
            s.scalars(
                select(Person.id).where(Person.lookup_result.not_in(["INVALID_CODE", "NOT_FOUND"]))
            )
        )
        named = set(s.scalars(select(Person.id).where(Person.population_fetched_at > between)))
        for source, days in (("VDEAVK", 28), ("NVA", 7)):
            asked = set(
                s.scalars(
                    select(RegistryFetch.person_id).where(
                        RegistryFetch.source == source, RegistryFetch.fetched_on == day
                    )
                )
            )
            turn = {p for p in subjects if p % days == day.toordinal() % days}
            expected = (named | turn) & subjects & answerable
            assert named and 0 < len(expected) < len(subjects) / 2, (source, len(expected))
            assert asked == expected, (source, len(asked ^ expected))


def test_a_registry_switched_off_is_neither_asked_nor_in_the_token(
    config: Path, flow_mock: MockHandle
) -> None:
    """``gateway.services.<name>.enabled = false`` (no agreement with that registry): the night
    runs without its lane, green, and the token does not ask for its scope, so a client the
    provider never granted it still works (docs/operations.md §2); PMLP's population lane, the
    night's base, runs whatever its switch says."""
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(
            "[gateway]\n",
            "[gateway]\nservices.ur = { enabled = false }\nservices.vtua = { enabled = false }\n"
            "services.pmlp = { enabled = false }\n",  # the population lane is not switched off
            1,
        ),
        encoding="utf-8",
    )
    flow_mock.admin_delete("journal")
    today = flow_mock.admin_get("clock")["today"]
    figures = nightly_sync(config_path=str(config), as_of=today)
    assert figures["failures"] == [], figures["failures"]
    asked = {e["service"] for e in flow_mock.journal()}
    assert {"pmlp", "vsaa", "csdd", "vzd"} <= asked, asked
    assert not asked & {"ur", "vtua"}, asked
    counts = _facts_by_source(config)
    assert counts.get("CSDD.VEHICLE", 0) > 0 and not any(
        k.startswith(("UR.", "VTUA.")) for k in counts
    ), counts
    assert not any(part.endswith((" ur", " vtua")) for part in figures["parts"]), figures["parts"]
