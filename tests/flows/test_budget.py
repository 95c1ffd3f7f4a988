"""A nightly that can afford it (issue 15; property.md §4): UR's first fetch of a caseload
larger than its night budget is spread over nights — never-fetched first, nobody asked twice
before everyone was asked once, the rest deferred (not failed) — and ``tilts status`` shows
how far it has got. Real mock server, real store (SQLite, and PostgreSQL when configured),
real Prefect runs; the budget is set the way an operator sets it (an environment override).
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tilts.flows.nightly import nightly_sync
from tilts.kernel.personal_code import mask
from tilts.mocks.harness import MockHandle
from tilts.mocks.world import enterprises
from tilts.mocks.world.population import Population
from tilts.shell.status import collect, render
from tilts.store.budget import fetch_progress
from tilts.store.models import (
    AuditLog,
    Municipality,
    Person,
    Quarantine,
    RegistryFact,
    RegistryFetch,
)

from .test_sync_population import _factory

BUDGET = 40  # UR calls a night (one person per call)


def _fetched(config: Path) -> dict[int, date]:
    with _factory(config)() as s:
        return dict(
            s.execute(
                select(RegistryFetch.person_id, RegistryFetch.fetched_on).where(
                    RegistryFetch.source == "UR"
                )
            ).all()
        )


def _progress(config: Path) -> tuple[int, int]:
    with _factory(config)() as s:
        mid = s.scalar(select(Municipality.id).where(Municipality.atvk == "0040000"))
        assert mid is not None
        return fetch_progress(s, mid, "UR")


def _ur_calls(config: Path) -> int:
    with _factory(config)() as s:
        return s.scalar(select(func.count()).where(AuditLog.service == "ur")) or 0


def _status(config: Path) -> list[dict[str, object]]:
    """``tilts status``'s first-fetch rows of Ogre (Tukums has a caseload, never synced here)."""
    rows = [r for r in collect(config)["first_fetch"] if r["municipality"] == "0040000"]
    assert all(r["fetched"] == 0 for r in collect(config)["first_fetch"] if r not in rows)
    return rows


@pytest.mark.postgres
def test_a_first_fetch_is_spread_over_nights_by_the_budget(
    config: Path, flow_mock: MockHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TILTS_GATEWAY__SERVICES__UR__NIGHT_CALLS", str(BUDGET))
    start = date.fromisoformat(flow_mock.admin_get("clock")["today"])
    _, caseload = _progress(config)
    assert caseload > 2 * BUDGET  # at least three nights' worth
    nights = math.ceil(caseload / BUDGET)
    asked: set[int] = set()
    for night in range(nights):
        day = start + timedelta(days=night)
        calls_before = _ur_calls(config)
        figures = nightly_sync(municipality="ogre", config_path=str(config), as_of=str(day))
        assert figures["failures"] == [], figures["failures"]
        tonight = {pid for pid, on in _fetched(config).items() if on == day}
        left = caseload - len(asked)
        # due besides the never-fetched: persons whose refresh turn it is (store/fetches.py)
        turn = {pid for pid in asked if pid % 28 == day.toordinal() % 28}
        new = tonight - asked
        # the budget's persons, never-fetched first: nobody asked twice before all were asked
        assert len(new) == min(BUDGET, left), night
        assert len(tonight) == min(BUDGET, left + len(turn))
        assert tonight - new <= turn and (left < BUDGET or not tonight & asked)
        asked |= tonight
        assert _ur_calls(config) - calls_before == len(tonight)  # one call, one audit row each
        # the rest is deferred, not failed: the summary says how many
        deferred = left + len(turn) - len(tonight)
        assert figures["deferred_by_budget"] == deferred
        assert figures["deferred"] == ({"0040000 ur": deferred} if deferred else {})
        fetched, total = _progress(config)
        assert (fetched, total) == (len(asked), caseload)
        [row] = [r for r in _status(config) if r["service"] == "ur"]
        assert row == {
            "municipality": "0040000", "service": "ur", "fetched": len(asked),
            "caseload": caseload, "per_night": BUDGET,
            "nights_left": math.ceil((caseload - len(asked)) / BUDGET),
        }  # fmt: skip
    assert len(asked) == caseload
    text = render(collect(config))
    [line] = [x for x in text.splitlines() if x.strip().startswith("0040000 ur ")]
    assert line.split()[2:] == [f"{caseload}/{caseload}", "(100.0%)", "done", f"({BUDGET}/night)"]
    # the batch services asked everyone on the first night: 30 minutes is far above 150 persons
    vsaa = [r for r in _status(config) if r["service"] == "vsaa"]
    assert vsaa and vsaa[0]["fetched"] == vsaa[0]["caseload"] and vsaa[0]["nights_left"] == 0


@pytest.mark.postgres
def test_roles_are_stored_as_enterprise_role_facts(config: Path, flow_mock: MockHandle) -> None:
    """UR end to end: every asked person is a per-person result (most 404 NOT_FOUND, which
    are answered, not failures); those with roles have them as facts, keyed and dated."""
    today = flow_mock.admin_get("clock")["today"]
    figures = nightly_sync(municipality="ogre", config_path=str(config), as_of=today)
    assert figures["failures"] == [] and figures["deferred_by_budget"] == 0
    world = Population(11, 3000)  # the package's mock (conftest.py)
    with _factory(config)() as s:
        codes = dict(s.execute(select(Person.id, Person.person_code)).all())
        facts = s.execute(
            select(RegistryFact.person_id, RegistryFact.fact_key, RegistryFact.payload,
                   RegistryFact.valid_from, RegistryFact.valid_to)
            .where(RegistryFact.source == "UR", RegistryFact.superseded_at.is_(None))
        ).all()  # fmt: skip
    fetched, caseload = _progress(config)
    assert fetched == caseload
    expected = {}
    for pid, code in codes.items():
        slot = world.resolve(code)
        for role in (enterprises.roles(world, slot) if slot is not None else None) or []:
            expected[(pid, f"{role['registrationNumber']}:{role['role']}")] = role
    asked = set(_fetched(config))
    expected = {k: v for k, v in expected.items() if k[0] in asked}
    assert expected, "the caseload holds someone with a role"
    stored = {(pid, key): (payload, start, end) for pid, key, payload, start, end in facts}
    assert set(stored) == set(expected)
    for k, role in expected.items():
        payload, start, end = stored[k]
        assert payload == role
        assert start == date.fromisoformat(role["from"])
        assert end == (None if role["to"] is None else date.fromisoformat(role["to"]))


@pytest.mark.postgres
def test_a_bad_role_is_quarantined_and_the_person_keeps_what_was_stored(
    config: Path, flow_mock: MockHandle
) -> None:
    """Hostile values in one person's GET answer (a share over 100 on an officer's role, a
    registration number in full-width digits): that person's rows are quarantined naming the
    fields, masked; their facts stay as before; everyone else is stored."""
    today = flow_mock.admin_get("clock")["today"]
    assert nightly_sync(municipality="ogre", config_path=str(config), as_of=today)["failures"] == []
    with _factory(config)() as s:
        holders = dict(
            s.execute(
                select(Person.person_code, Person.id)
                .join(RegistryFact, RegistryFact.person_id == Person.id)
                .where(RegistryFact.source == "UR", RegistryFact.superseded_at.is_(None))
            ).all()
        )
        before = s.execute(select(RegistryFact.id).where(RegistryFact.source == "UR")).all()
    code = sorted(holders)[0]
    bad = {"registrationNumber": "４０００１２３４５６７", "legalName": "SIA x", "legalForm": "SIA",
           "entityStatus": "ACTIVE", "role": "OFFICER", "sharePercent": "100.5",
           "from": "2020-01-01", "to": None}  # fmt: skip
    flow_mock.add_fault(service="ur", kind="record", records={code: {"roles": [bad]}})
    figures = nightly_sync(municipality="ogre", config_path=str(config), as_of=today, full=True)
    assert figures["failures"] == [] and figures["quarantined"] == 1
    with _factory(config)() as s:
        after = s.execute(select(RegistryFact.id).where(RegistryFact.source == "UR")).all()
        [(ref, reason)] = s.execute(
            select(Quarantine.record_ref, Quarantine.reason).where(Quarantine.service == "ur")
        ).all()
    assert sorted(after) == sorted(before)  # nothing of the bad answer, nobody else changed
    assert ref == mask(code) and code not in reason
    assert "registrationNumber" in reason and "sharePercent" in reason
