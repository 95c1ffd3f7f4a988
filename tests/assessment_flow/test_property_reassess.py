"""The property test on stored facts (property.md §8): a case built from the store carries
the members' property facts (read by kind, written straight into a real store as the VZD,
CSDD, VTUA and UR syncs will), the household's PMLP address is its dwelling, the worker's
override is stored with its reason, and the re-assessment after a sync flags
``PROPERTY_ACQUIRED`` for households with a valid status whose property now fails the test.

Every household has no income (POOR, granted 2026-10-09, valid 2026-10-01..2027-03-31) and
lives at address 100000001 (PMLP), so only the property decides.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tilts.assessment import PropertyResult, Status, assess
from tilts.flows.reassess import reassess
from tilts.flows.work.case_json import case_json
from tilts.flows.work.reassess import build_case
from tilts.schemas.facts import Fact
from tilts.store.db import transaction
from tilts.store.decisions import NewDecision, record_decisions
from tilts.store.facts import replace_facts
from tilts.store.models import HouseholdFlag, PropertyOverride
from tilts.store.ops import ensure_municipality, now
from tilts.store.property_overrides import latest_overrides
from tilts.store.reassess import household_facts, list_flags

from .conftest import OGRE, TODAY, Member, craft

HOME = "100000001"  # the crafted members' declared address (conftest.member_facts)


def _right(number: str, kind: str = "APARTMENT", address: str = HOME, **kw: Any) -> dict[str, Any]:
    return {"propertyNumber": number, "propertyKind": kind, "rightKind": "OWNER",
            "shareNumerator": "1", "shareDenominator": "1", "addressCode": address,
            "atvk": OGRE, "parcelAreaM2": None, "agriculturalAreaM2": 0, "forestAreaM2": 0,
            "buildingUse": [], "cadastralValue": "30000.00", "valueDate": "2025-01-01",
            "landBookOffice": "Ogre", "landBookFolioNumber": "100", "validFrom": "2015-01-01",
            "validTo": None} | kw  # fmt: skip


def _car(number: str, **kw: Any) -> dict[str, Any]:
    return {"registrationNumber": number, "category": "M1", "make": "Test", "model": "T",
            "firstRegistrationDate": "2010-01-01", "role": "OWNER", "from": "2020-01-01",
            "to": None, "registrationStatus": "REGISTERED"} | kw  # fmt: skip


def _role(number: str, **kw: Any) -> dict[str, Any]:
    return {"registrationNumber": number, "legalName": "Test SIA", "legalForm": "SIA",
            "entityStatus": "ACTIVE", "role": "MEMBER", "sharePercent": "50.00",
            "from": "2020-01-01", "to": None} | kw  # fmt: skip


def _store(
    factory: sessionmaker[Session],
    pid: int,
    rights: list[dict[str, Any]] = (),  # type: ignore[assignment]
    vehicles: list[tuple[str, dict[str, Any]]] = (),  # type: ignore[assignment]
    roles: list[dict[str, Any]] = (),  # type: ignore[assignment]
    fetched_at: datetime | None = None,
) -> None:
    """Write the member's property facts the way the property syncs store them."""
    at = fetched_at or now() - timedelta(hours=1)
    with transaction(factory) as s:
        facts = [Fact(pid, "PROPERTY_RIGHT", f"{r['propertyNumber']}:{r['rightKind']}", r,
                      date.fromisoformat(r["validFrom"])) for r in rights]  # fmt: skip
        replace_facts(s, "VZD", [pid], ("PROPERTY_RIGHT",), facts, at, "craft")
        for source in ("CSDD", "VTUA"):
            mine = [Fact(pid, "VEHICLE", f"{v['registrationNumber']}:{v['role']}", v,
                         date.fromisoformat(v["from"])) for src, v in vehicles if src == source]  # fmt: skip
            replace_facts(s, source, [pid], ("VEHICLE",), mine, at, "craft")
        facts = [Fact(pid, "ENTERPRISE_ROLE", f"{r['registrationNumber']}:{r['role']}", r,
                      date.fromisoformat(r["from"])) for r in roles]  # fmt: skip
        replace_facts(s, "UR", [pid], ("ENTERPRISE_ROLE",), facts, at, "craft")


HOUSEHOLDS = {
    "HH-CAR": [Member("01018020001", "1980-01-01")],
    "HH-HOUSE": [Member("01018020002", "1980-01-01")],
    "HH-SHARE": [Member("01018020003", "1980-01-01")],
    "HH-CHILD": [Member("01018020004", "1980-01-01"), Member("01011620005", "2016-01-01")],
    "HH-OVERRIDE": [Member("01018020006", "1980-01-01")],
    "HH-PLAIN": [Member("01018020007", "1980-01-01")],
}


def _grant(factory: sessionmaker[Session], ids: dict[str, tuple[int, dict[str, int]]]) -> None:
    decisions = [
        NewDecision(f"{ext}-S", hid, "STATUS_POOR", "GRANTED", date(2026, 10, 2),
                    date(2026, 10, 9), valid_from=date(2026, 10, 1), valid_to=date(2027, 3, 31))
        for ext, (hid, _) in ids.items()
    ]  # fmt: skip
    with transaction(factory) as s:
        mid = ensure_municipality(s, OGRE, "Ogres novads")
        record_decisions(s, mid, decisions, now() - timedelta(hours=1))


def _pid(ids: dict[str, tuple[int, dict[str, int]]], ext: str, index: int = 0) -> int:
    return ids[ext][1][HOUSEHOLDS[ext][index].code]


def _flags(factory: sessionmaker[Session]) -> dict[str, tuple[str, str]]:
    with factory() as s:
        return {f.household: (f.reason, f.detail) for f in list_flags(s, limit=100)}


def _override(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TILTS_")}
    return subprocess.run(
        [sys.executable, "-m", "tilts.shell.cli", "cases", "property-override", *args,
         "--config", str(config)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.postgres
def test_a_case_built_from_the_store_carries_the_property_facts(
    crafted: tuple[Path, sessionmaker[Session]],
) -> None:
    _, factory = crafted
    ids = craft(factory, {"HH-CHILD": HOUSEHOLDS["HH-CHILD"]})
    adult, child = _pid(ids, "HH-CHILD"), _pid(ids, "HH-CHILD", 1)
    home = _right("01000010001", "LAND", parcelAreaM2=50000, buildingUse=["RESIDENTIAL"])
    _store(factory, adult, [home], [("CSDD", _car("KA1001")), ("VTUA", _car("T1001", category="TRACTOR"))],
           [_role("40003000001", role="OFFICER", sharePercent=None)])  # fmt: skip
    _store(factory, child, [_right("01000010001", "LAND", parcelAreaM2=50000, shareNumerator=1,
                                   shareDenominator=2, buildingUse=["RESIDENTIAL"])])  # fmt: skip
    hid = ids["HH-CHILD"][0]
    with factory() as s:
        hh = household_facts(s, [hid], TODAY)[hid]
    case = build_case(hh, TODAY, None, OGRE)
    assert case.property is not None and case.property.dwelling_address_code == HOME
    assert [r.member_id for r in case.property.real_estate] == [str(adult), str(child)]
    assert [(v.source, v.category) for v in case.property.vehicles] == [
        ("CSDD", "M1"), ("VTUA", "TRACTOR")]  # fmt: skip
    assert case.property.real_estate[1].share_denominator == 2
    result = assess(case)
    test = result.property_test
    assert test is not None and test.result is PropertyResult.MET, test
    # a car and a tractor: two motor vehicles, allowed with a child; the shared parcel of 5 ha
    assert [str(i.outcome) for i in test.items] == [
        "ALLOWED", "ALLOWED", "ALLOWED", "ALLOWED", "NOT_COUNTED"]  # fmt: skip
    assert result.status is Status.POOR
    # the case the re-assessment built replays through tilts assess
    assert case_json(case)["property"]["dwellingAddressCode"] == HOME
    # a household without any property fact keeps the declared flag
    with factory() as s:
        plain = household_facts(s, [hid], TODAY)[hid]
    plain.members[:] = [
        type(m)(m.person_id, m.birth_date, [f for f in m.facts if f.source == "PMLP"])
        for m in plain.members
    ]
    assert build_case(plain, TODAY, None, OGRE).property is None


@pytest.mark.postgres
def test_reassessment_flags_property_acquired_after_a_sync(
    crafted: tuple[Path, sessionmaker[Session]], prefect_harness: None
) -> None:
    config, factory = crafted
    ids = craft(factory, HOUSEHOLDS)
    home = _right("01000020001")
    _store(factory, _pid(ids, "HH-CAR"), [home], [("CSDD", _car("KA2001"))])
    _store(factory, _pid(ids, "HH-HOUSE"), [home])
    _store(factory, _pid(ids, "HH-SHARE"), roles=[_role("40003000002", role="OFFICER",
                                                        sharePercent=None)])  # fmt: skip
    _store(factory, _pid(ids, "HH-CHILD"), vehicles=[("CSDD", _car("KA2002")),
                                                     ("CSDD", _car("KA2003"))])  # fmt: skip
    two = [("CSDD", _car("KA2004")), ("CSDD", _car("KA2005", **{"from": "2026-09-01"}))]
    _store(factory, _pid(ids, "HH-OVERRIDE"), vehicles=two)
    _store(factory, _pid(ids, "HH-PLAIN"), vehicles=[("CSDD", _car("KA2006", role="HOLDER")),
                                                     ("CSDD", _car("KA2007"))])  # fmt: skip
    _grant(factory, ids)

    # the worker confirms HH-OVERRIDE's second car (it does not run), with the reason
    done = _override(config, "HH-OVERRIDE", "--result", "MET", "--reason",
                     "the second car is a wreck", "--decided-on", "2026-10-01",
                     "--municipality", "ogre", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    bad = _override(config, "HH-NOBODY", "--result", "MET", "--reason", "x")
    assert bad.returncode == 2 and "--municipality: name the household's municip" in bad.stderr
    bad = _override(
        config, "HH-NOBODY", "--result", "MET", "--reason", "x", "--municipality", "ogre"
    )
    assert bad.returncode == 2 and "--household: no household" in bad.stderr
    bad = _override(
        config, "HH-CAR", "--result", "PERHAPS", "--reason", "x", "--municipality", "ogre"
    )
    assert bad.returncode == 2 and "--result: expected one of MET, NOT_MET" in bad.stderr
    with factory() as s:
        row = s.scalars(select(PropertyOverride)).one()
        assert (row.result, row.reason, row.decided_on) == (
            "MET", "the second car is a wreck", date(2026, 10, 1))  # fmt: skip
        assert latest_overrides(s, [ids["HH-OVERRIDE"][0]])[ids["HH-OVERRIDE"][0]].result == "MET"

    first = reassess(municipality=OGRE, config_path=str(config), as_of=TODAY.isoformat())
    assert first["failures"] == []
    assert _flags(factory) == {}  # everything fits the test (or the worker's override)

    # a sync: a second car, a 1/2 share of a second property, a new active enterprise share,
    # and a third car for HH-OVERRIDE bought after the override
    later = now()
    _store(factory, _pid(ids, "HH-CAR"), [home], [("CSDD", _car("KA2001")),
           ("CSDD", _car("KA2008", **{"from": "2026-11-20"}))], fetched_at=later)  # fmt: skip
    half = _right("01000020002", address="100000009", shareNumerator="1", shareDenominator="2")
    _store(factory, _pid(ids, "HH-HOUSE"), [home, half], fetched_at=later)
    _store(factory, _pid(ids, "HH-SHARE"), roles=[_role("40003000002", role="OFFICER",
           sharePercent=None), _role("40003000003")], fetched_at=later)  # fmt: skip
    _store(factory, _pid(ids, "HH-OVERRIDE"), vehicles=[*two,
           ("CSDD", _car("KA2009", **{"from": "2026-11-01"}))], fetched_at=later)  # fmt: skip
    second = reassess(municipality=OGRE, config_path=str(config), as_of=TODAY.isoformat())
    assert second["failures"] == []
    flags = _flags(factory)
    assert {k: v[0] for k, v in flags.items()} == {
        "HH-CAR": "PROPERTY_ACQUIRED",
        "HH-HOUSE": "PROPERTY_ACQUIRED",
        "HH-SHARE": "PROPERTY_ACQUIRED",
        "HH-OVERRIDE": "PROPERTY_ACQUIRED",
    }
    assert flags["HH-CAR"][1].startswith(
        "property test NOT_MET for a household of 1: 2 VEHICLES FAIL"
    )
    assert "1 OTHER_REAL_ESTATE FAIL" in flags["HH-HOUSE"][1]
    assert "property test NEEDS_REVIEW" in flags["HH-SHARE"][1]
    assert "1 ENTERPRISES REVIEW" in flags["HH-SHARE"][1]
    assert "3 VEHICLES FAIL" in flags["HH-OVERRIDE"][1]
    details = " ".join(d for _, d in flags.values())
    for secret in (
        "KA20",
        "0100002",
        "4000300",
        "wreck",
        *(m.code for ms in HOUSEHOLDS.values() for m in ms),
    ):
        assert secret not in details
    # no INCOME_ABOVE_THRESHOLD for a refusal that is the property's
    with factory() as s:
        assert {f.reason for f in s.scalars(select(HouseholdFlag))} == {"PROPERTY_ACQUIRED"}
    # the same facts again: nothing flagged twice
    third = reassess(municipality=OGRE, config_path=str(config), as_of=TODAY.isoformat())
    assert third["households_flagged"] == 0


def test_a_municipality_sets_its_own_property_rows_in_the_configuration(tmp_path: Path) -> None:
    from tilts.flows.work.reassess import rules_for
    from tilts.kernel.config import load_settings
    from tilts.kernel.errors import ConfigError
    from tilts.shell.demo import write_config

    path = tmp_path / "tilts.toml"
    write_config(path, "http://127.0.0.1:9", f"sqlite:///{tmp_path / 'store.db'}")
    base = path.read_text(encoding="utf-8")
    path.write_text(base + (
        "\n[[municipalities.ogre.property_rules.other_real_estate]]\n"
        'from = 2026-01-01\nminimum_value = "3000.00"\n'
        'right_kinds = ["OWNER", "LEGAL_POSSESSOR"]\nsource = "Ogre binding regulations"\n'
    ), encoding="utf-8")  # fmt: skip
    rules = rules_for(load_settings(path))
    ogre = rules.property.rows_on(OGRE, TODAY)
    assert ogre is not None and str(ogre.other_real_estate.minimum_value) == "3000.00"
    assert ogre.other_real_estate.source == "Ogre binding regulations"
    tukums = rules.property.rows_on("0051000", TODAY)
    assert tukums is not None and str(tukums.other_real_estate.minimum_value) == "0.00"
    path.write_text(base + (
        "\n[[municipalities.ogre.property_rules.vehicles]]\nfrom = 2026-01-01\nlimit = 2\n"
    ), encoding="utf-8")  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        rules_for(load_settings(path))
    assert "municipalities.ogre.property_rules.vehicles[0].counted_categories: is required" in str(
        caught.value
    )
