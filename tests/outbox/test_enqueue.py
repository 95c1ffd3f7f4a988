"""Writing the outbox: same transaction as the decisions, events, minimisation, sequences, expiry
(SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.outbox.conftest import OGRE, World, granted, revoked
from tilts.kernel.config import ConfigError, MunicipalitySettings, load_settings
from tilts.store.db import transaction
from tilts.store.decisions import decisions_of, record_decisions
from tilts.store.models import Decision
from tilts.store.models_outbox import Notification
from tilts.store.ops import now
from tilts.store.outbox import enqueue_expiries
from tilts.store.outbox_rules import Member, content_for, rules_for


class Boom(Exception):
    pass


@pytest.mark.postgres
def test_notifications_commit_and_roll_back_with_their_decisions(world: World) -> None:
    hid = world.households[0]
    with pytest.raises(Boom), transaction(world.factory) as s:
        record_decisions(
            s, world.mid, [granted(hid, "D-1")], now(), world.settings.municipality(OGRE)
        )
        assert s.scalar(select(func.count()).select_from(Notification)) > 0  # written …
        raise Boom  # … and rolled back with the decision
    with world.factory() as s:
        assert s.scalar(select(func.count()).select_from(Decision)) == 0
        assert s.scalar(select(func.count()).select_from(Notification)) == 0
    world.record([granted(hid, "D-1")])
    rows = world.rows()
    assert rows and {r.decision_version for r in rows} == {1}
    assert {r.event for r in rows} == {"GRANTED"} and {r.state for r in rows} == {"PENDING"}
    # recording the same content again writes nothing new
    world.record([granted(hid, "D-1")])
    assert len(world.rows()) == len(rows)


@pytest.mark.postgres
def test_events_config_and_sequences(world: World) -> None:
    a, b = world.households[:2]
    world.record([granted(a, "A-1"), granted(b, "B-1", kind="STATUS_LOW_INCOME")])
    # the next period, without a gap: an extension; then a revocation
    later = granted(
        a, "A-2", decided=date(2027, 3, 20), valid=(date(2027, 4, 1), date(2027, 9, 30))
    )
    world.record([later, revoked(a, "A-2R", "A-2", date(2027, 6, 1))])
    rows = world.rows()
    by_decision = {}
    with world.factory() as s:
        rids = dict(s.execute(select(Decision.id, Decision.record_id)).tuples().all())
    for r in rows:
        by_decision.setdefault(rids[r.decision_id], set()).add(r.event)
    assert by_decision == {"A-1": {"GRANTED"}, "B-1": {"GRANTED"}, "A-2": {"EXTENDED"},
                           "A-2R": {"REVOKED"}}  # fmt: skip
    # jpa is configured for POOR only: no LOW_INCOME notification reaches it
    assert not [r for r in rows if r.recipient == "jpa" and r.status == "LOW_INCOME"]
    # sequences: unique and increasing per recipient, in the order the news takes effect
    for recipient in {r.recipient for r in rows}:
        mine = [r for r in rows if r.recipient == recipient and r.household_id == a]
        assert [r.event for r in sorted(mine, key=lambda r: r.sequence)] == [
            e for e in ("GRANTED", "EXTENDED", "REVOKED") if any(r.event == e for r in mine)
        ]
        seqs = [r.sequence for r in rows if r.recipient == recipient]
        assert len(set(seqs)) == len(seqs)
    revocation = next(r for r in rows if r.event == "REVOKED")
    assert (revocation.payload["validFrom"], revocation.payload["validTo"]) == (
        "2027-06-01",
        "2027-09-30",
    )
    # the payload is the body: id and sequence inside, persons with codes, nothing else
    for r in rows:
        assert r.payload["notificationId"] == r.notification_id
        assert r.payload["sequence"] == r.sequence and r.payload["municipality"] == OGRE
        allowed = {"notificationId", "sequence", "municipality", "event", "status",
                   "decisionDate", "validFrom", "validTo", "persons"}  # fmt: skip
        beyond = {"nino": {"addressCode"}, "kim": {"household"}}.get(r.recipient, set())
        if r.recipient == "kim":  # property.md §9: no persons, the household's size and ages
            allowed -= {"persons"}
            assert set(r.payload["household"]) == {"reference", "size", "memberAges"}
            assert r.payload["household"]["reference"] == str(r.household_id)
        assert set(r.payload) - allowed == beyond and allowed - set(r.payload) == set()
        assert all(set(p) == {"personCode", "role"} for p in r.payload.get("persons", []))


@pytest.mark.postgres
def test_a_correction_is_announced_only_where_it_changes_the_body(world: World) -> None:
    hid = world.households[0]
    world.record([granted(hid, "D-1")])
    first = len(world.rows())
    world.record([granted(hid, "D-1", valid=(date(2026, 10, 1), date(2027, 2, 28)))])
    again = world.rows()
    assert len(again) == 2 * first and {r.decision_version for r in again[first:]} == {2}
    # a correction of a field no recipient sees: version 3, nothing new to tell
    changed = replace(
        granted(hid, "D-1", valid=(date(2026, 10, 1), date(2027, 2, 28))),
        request_date=date(2026, 9, 30),
    )
    assert world.record([changed]).ids["D-1"][1] == 3
    assert len(world.rows()) == 2 * first


def _m(pid: int, born: date | None, roles: str = "MEMBER", **kw: object) -> Member:
    base: dict[str, object] = {"death_date": None, "address_code": None,
                               "member_from": None, "member_to": None}  # fmt: skip
    base.update(kw)
    return Member(pid, f"{pid:011d}", frozenset(roles.split(",")), born, **base)  # type: ignore[arg-type]


def test_minimisation_table() -> None:
    day = date(2026, 10, 9)
    owner = _m(1, date(1970, 1, 1), "MEMBER,OWNER", address_code="100000001")
    holder = _m(2, date(1990, 5, 5), "MEMBER,CONTRACT_HOLDER")
    child = _m(3, date(2015, 1, 1), "CHILD")
    adult_child = _m(4, date(2008, 10, 9), "CHILD")  # 18 on the decision date
    pensioner = _m(5, date(1950, 1, 1), "MEMBER,LEGAL_REPRESENTATIVE")
    unknown = _m(6, None, "MEMBER,OWNER")  # birth date unknown: no age-ruled role
    gone = _m(7, date(1980, 1, 1), member_to=date(2026, 1, 1))
    dead = _m(8, date(1980, 1, 1), death_date=date(2026, 9, 1))
    everyone = [owner, holder, child, adult_child, pensioner, unknown, gone, dead]

    def persons(recipient: str, address: str | None = None) -> list[tuple[int, str]] | None:
        got = content_for(recipient, everyone, day, address)
        return None if got is None else [(int(p["personCode"]), p["role"]) for p in got["persons"]]

    assert persons("nino") == [(1, "OWNER"), (6, "OWNER")]
    assert content_for("nino", everyone, day, "200000002")["addressCode"] == "200000002"  # type: ignore[index]
    assert content_for("nino", everyone, day, None)["addressCode"] == "100000001"  # type: ignore[index]
    assert content_for("nino", [unknown], day, None) is None  # no address, nothing to NINO
    assert persons("jpa") == [(1, "MEMBER"), (2, "MEMBER"), (4, "MEMBER"), (5, "MEMBER")]
    assert persons("bvkb") == [(2, "CONTRACT_HOLDER")]
    assert content_for("bvkb", [owner, child], day, None) == {
        "persons": [{"personCode": "00000000001", "role": "MEMBER"}]
    }
    assert persons("nva") == [(1, "MEMBER"), (2, "MEMBER"), (4, "MEMBER")]
    assert persons("baris") == [(3, "CHILD"), (5, "LEGAL_REPRESENTATIVE")]
    assert content_for("baris", [owner, pensioner], day, None) is None  # no children
    # property.md §9: BRIDZIS the whole household (present on the day, age known) …
    assert persons("bridzis") == [(1, "MEMBER"), (2, "MEMBER"), (3, "CHILD"), (4, "MEMBER"),
                                  (5, "MEMBER")]  # fmt: skip
    # … KIM no person: six present (gone and dead are not), five ages known (1970-01-01: 56,
    # 1990-05-05: 36, 2015-01-01: 11, 2008-10-09: 18, 1950-01-01: 76), oldest first
    assert content_for("kim", everyone, day, None, "17") == {
        "household": {"reference": "17", "size": 6, "memberAges": [76, 56, 36, 18, 11]}
    }
    assert content_for("kim", [gone, dead], day, None, "17") is None  # nobody left
    with pytest.raises(ValueError, match="reference"):
        content_for("kim", everyone, day, None)


def test_nva_hears_of_members_until_they_reached_pension_age() -> None:
    """assessment.md §6: who reached 64 y 9 m in November 2024 is of pension age in 2025 (not
    NVA's "working age"), though only 64 whole years old; who reaches it in 2025 waits for 65."""
    day = date(2025, 1, 10)
    cohort_2024 = _m(1, date(1960, 2, 15))  # 64 y 9 m on 2024-11-15
    later = _m(2, date(1960, 5, 15))  # 64 y 9 m on 2025-02-15: 65 y is then in force
    got = content_for("nva", [cohort_2024, later], day, None)
    assert got == {"persons": [{"personCode": "00000000002", "role": "MEMBER"}]}


def test_recipient_rules_from_configuration(tmp_path) -> None:  # type: ignore[no-untyped-def]
    muni = {"atvk": OGRE, "name": "O", "member_code": "90000000040", "client_id": "x"}
    assert set(rules_for(MunicipalitySettings(**muni))) == {
        "nino", "jpa", "bvkb", "nva", "baris", "bridzis", "kim",
    }  # fmt: skip
    assert rules_for(MunicipalitySettings(**muni, recipients={})) == {}
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[municipalities.o]\natvk = "0040000"\nname = "O"\nmember_code = "90000000040"\n'
        'client_id = "x"\n[municipalities.o.recipients.jap]\n', encoding="utf-8"
    )  # fmt: skip
    with pytest.raises(ConfigError, match=r"municipalities\.o\.recipients\.jap"):
        load_settings(bad)


@pytest.mark.postgres
def test_expired_is_emitted_once_and_not_for_continued_or_revoked(world: World) -> None:
    a, b, c = world.households[:3]
    world.record([
        granted(a, "A-1", valid=(date(2026, 4, 1), date(2026, 9, 30))),
        granted(b, "B-1", valid=(date(2026, 4, 1), date(2026, 9, 30))),
        granted(b, "B-2", valid=(date(2026, 10, 1), date(2027, 3, 31))),  # continues B-1
        granted(c, "C-1", valid=(date(2026, 4, 1), date(2026, 9, 30))),
        revoked(c, "C-1R", "C-1", date(2026, 8, 1)),
    ])  # fmt: skip
    muni = world.settings.municipality(OGRE)
    for _ in range(2):  # a second run the same day, and the next: nothing new
        with transaction(world.factory) as s:
            enqueue_expiries(s, world.mid, date(2026, 10, 2), muni)
    expired = world.rows(event="EXPIRED")
    assert expired and {r.household_id for r in expired} == {a}
    assert len({(r.decision_id, r.recipient) for r in expired}) == len(expired)
    assert {r.payload["validTo"] for r in expired} == {"2026-09-30"}
    before = {r.sequence for r in world.rows(household_id=a, event="GRANTED")}
    assert all(r.sequence > max(before) for r in expired if r.recipient == "jpa")


@pytest.mark.postgres
def test_a_correction_in_a_session_that_holds_the_old_decision_is_announced(world: World) -> None:
    hid = world.households[0]
    world.record([granted(hid, "D-1")])
    first = len(world.rows())
    with transaction(world.factory) as s:
        held = decisions_of(s, [hid])  # the session now holds version 1 (kept referenced)
        fixed = granted(hid, "D-1", valid=(date(2026, 10, 1), date(2027, 1, 31)))
        record_decisions(s, world.mid, [fixed], now(), world.settings.municipality(OGRE))
        assert [d.version for d in held] == [2]
    assert {r.decision_version for r in world.rows()[first:]} == {2}
