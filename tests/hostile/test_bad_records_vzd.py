"""Bad VZD property rights end to end (property.md §2): quarantined naming the field or rule,
never half-written, with neither the personal code nor the cadastre number in the reason.

The mock's ``record`` fault rewrites one element of a person's answer to a value the XSD takes
but the schema refuses (a share over the whole, farm and forest larger than the parcel, a right
begun in 1850); a value the XSD refuses fails the whole answer as a contract error and the
batch is quarantined with that reason. Everyone else is synced in the same run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.reliability.matrix import OGRE, TODAY
from tilts.flows.sync_registries import sync_property
from tilts.kernel.personal_code import mask
from tilts.mocks.harness import MockHandle

from .test_bad_records import _codes, _factory, _facts, _payloads, _quarantined


def _run(config: Path) -> dict[str, Any]:
    figures = sync_property(
        municipality=OGRE, config_path=str(config), as_of=TODAY, full=True
    )  # every person, due or not; the faults name VZD
    assert figures["failures"] == [], figures["failures"]
    return figures


def test_bad_rights_are_quarantined_naming_the_rule(
    config: Path, registry_mock: MockHandle
) -> None:
    first = _run(config)
    assert first["quarantined"] == 0 and first["records_changed"] > 0
    factory = _factory(config)
    codes = _codes(factory)
    rights = _payloads(factory, "VZD", "PROPERTY_RIGHT")
    owners = sorted(p for p, rs in rights.items() if rs)
    land = [p for p in owners if rights[p][0]["propertyKind"] == "LAND"]
    assert len(owners) >= 3 and land, "the world gives owners of land and apartments"
    over, ancient = [p for p in owners if p != land[0]][:2]
    assert all(r["validFrom"] <= "2026-11-26" for rs in rights.values() for r in rs)
    payload = rights[over][0]
    assert set(payload) >= {"propertyNumber", "shareNumerator", "landBookOffice",
                            "landBookFolioNumber", "buildingUse", "cadastralValue"}  # fmt: skip
    assert isinstance(payload["buildingUse"], list) and "landBookFolio" not in payload
    before = _facts(factory, "VZD")
    bad = {
        over: ({"shareNumerator": "999"}, "record: share_numerator_at_most_denominator"),
        land[0]: ({"forestAreaM2": "9999999999"}, "record: agricultural_and_forest_within_parcel"),
        ancient: ({"validFrom": "1850-01-01"}, "validFrom: date_between_1900_and_a_year_ahead"),
    }
    registry_mock.add_fault(service="vzd", kind="record",
                            records={codes[p]: change for p, (change, _) in bad.items()})  # fmt: skip
    second = _run(config)
    assert second["quarantined"] == 3
    rows = [r for r in _quarantined(factory) if r.service == "vzd"]
    reasons = {r.record_ref: r.reason for r in rows}
    numbers = {r["propertyNumber"] for p in bad for r in rights[p]}
    for pid, (_, named) in bad.items():
        reason = reasons[mask(codes[pid])]
        assert named in reason, reason
        assert codes[pid] not in reason and not any(n in reason for n in numbers), reason
    after = _facts(factory, "VZD")
    for pid in bad:  # nothing of the bad answer was written
        assert after[pid] == before[pid]


def test_a_value_the_xsd_refuses_quarantines_the_batch(
    config: Path, registry_mock: MockHandle
) -> None:
    _run(config)
    factory = _factory(config)
    codes = _codes(factory)
    rights = _payloads(factory, "VZD", "PROPERTY_RIGHT")
    owner = min(p for p, rs in rights.items() if rs)
    registry_mock.add_fault(service="vzd", kind="record", count=1,
                            records={codes[owner]: {"cadastralValue": "12.345"}})  # fmt: skip
    figures = sync_property(municipality=OGRE, config_path=str(config), as_of=TODAY, full=True)
    assert figures["quarantined"] >= 1
    rows = [r for r in _quarantined(factory) if r.service == "vzd"]
    assert rows and all("XSD" in r.reason and "12.345" not in r.reason for r in rows)
    assert all(codes[owner] not in r.reason for r in rows)
