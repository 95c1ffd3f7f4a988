"""Bad vehicle records from CSDD and VTUA (property.md §3), end to end through ``sync_property``
(``tilts sync property``, every property registry; the faults name one) over a real store and
the mock: quarantined naming the field, never half-written; a vehicle stated twice is folded, a
conflicting one quarantined; dates out of range refused.

The mock's ``record`` fault replaces a person's ``vehicles`` (``tests/hostile/test_bad_records.py``
does the same for the other registries).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tilts.flows.sync_registries import sync_property
from tilts.kernel.personal_code import mask
from tilts.mocks.harness import MockHandle

from .test_bad_records import _codes, _factory, _facts, _payloads, _quarantined

SOURCE = {"csdd": "CSDD", "vtua": "VTUA"}
CAR = {
    "registrationNumber": "ZZ9001", "category": "M1", "make": "VOLVO", "model": "V70",
    "firstRegistrationDate": "2012-04-01", "role": "OWNER", "from": "2019-03-02", "to": None,
    "registrationStatus": "REGISTERED",
}  # fmt: skip
TRACTOR = {**CAR, "registrationNumber": "T9001ZZ", "category": "TRACTOR", "make": "ZETOR"}


def _sync(config: Path, day: date) -> dict[str, Any]:
    """The property flow as a user runs it (every property registry; the faults name one)."""
    run = sync_property(config_path=str(config), as_of=day.isoformat(), full=True)
    assert run["failures"] == [], run["failures"]
    return run


@pytest.mark.parametrize("service", ["csdd", "vtua"])
def test_bad_vehicle_records_are_quarantined_never_half_written(
    service: str, config: Path, registry_mock: MockHandle
) -> None:
    today = date.fromisoformat(registry_mock.admin_get("clock")["today"])
    assert _sync(config, today)["quarantined"] == 0
    factory = _factory(config)
    codes = _codes(factory)
    source = SOURCE[service]
    held = _payloads(factory, source, "VEHICLE")
    good = CAR if service == "csdd" else TRACTOR
    other = "TRACTOR" if service == "csdd" else "M1"  # the other register's category
    pids = sorted(codes)[:7]
    # (person) → (the vehicles answered, the field to be named, the bad value)
    bad: dict[int, tuple[list[dict[str, Any]], str, Any]] = {
        pids[0]: ([good, {**good, "registrationNumber": "ka1234"}], "registrationNumber", "ka1234"),
        pids[1]: ([{**good, "registrationNumber": "ＫＡ１２"}], "registrationNumber", "ＫＡ１２"),
        pids[2]: ([{**good, "category": other}], "category", other),
        pids[3]: ([{**good, "role": "LESSOR"}], "role", "LESSOR"),
        pids[4]: ([{**good, "firstRegistrationDate": "2026-02-30"}], "firstRegistrationDate",
                  "2026-02-30"),
        pids[5]: ([{**good, "to": "2018-01-01"}], "to_not_before_from", "2018-01-01"),
        pids[6]: ([{**good, "registrationStatus": "STOLEN"}], "registrationStatus", "STOLEN"),
    }  # fmt: skip
    before = _facts(factory, source)
    later = today + timedelta(days=30)
    registry_mock.set_today(later)
    registry_mock.add_fault(
        service=service, kind="record",
        records={codes[p]: {"vehicles": vehicles} for p, (vehicles, _, _) in bad.items()},
    )  # fmt: skip
    assert _sync(config, later)["quarantined"] == len(bad)  # one row per bad answer
    rows = _quarantined(factory)
    for pid, (_, field, value) in bad.items():
        mine = [r for r in rows if r.service == service and r.record_ref == mask(codes[pid])]
        assert mine and all(r.status == "OPEN" for r in mine)
        assert any(field in r.reason for r in mine), (field, [r.reason for r in mine])
        assert all(codes[pid] not in r.reason and str(value) not in r.reason for r in mine)
    after = _facts(factory, source)
    for pid in bad:  # not one row of a bad answer stored, the valid one of pids[0] neither
        assert after.get(pid, set()) == before.get(pid, set()), mask(codes[pid])
    assert set(held) - set(bad), "nobody else holds a vehicle: the test tested nothing"


def test_a_vehicle_stated_twice_is_folded_and_a_conflicting_one_quarantined(
    config: Path, registry_mock: MockHandle
) -> None:
    today = date.fromisoformat(registry_mock.admin_get("clock")["today"])
    _sync(config, today)
    factory = _factory(config)
    codes = _codes(factory)
    held = _payloads(factory, "CSDD", "VEHICLE")
    twice, conflict = [p for p in sorted(held) if held[p]][:2]
    before = _facts(factory, "CSDD")
    other_model = dict(held[conflict][0], model="OTHER MODEL")
    registry_mock.add_fault(
        service="csdd", kind="record",
        records={codes[twice]: {"vehicles": [*held[twice], dict(held[twice][0])]},
                 codes[conflict]: {"vehicles": [*held[conflict], other_model]}},
    )  # fmt: skip
    second = _sync(config, today)
    assert second["quarantined"] == 2  # both rows of the conflicting key
    after = _facts(factory, "CSDD")
    assert after[twice] == before[twice] and after[conflict] == before[conflict]
    rows = [r for r in _quarantined(factory) if r.service == "csdd"]
    assert {r.record_ref for r in rows} == {mask(codes[conflict])}
    assert all("registrationNumber: stated twice" in r.reason for r in rows)
    assert all(held[conflict][0]["registrationNumber"] not in r.reason for r in rows)


def test_vehicle_dates_out_of_range_are_quarantined_naming_the_field(
    config: Path, registry_mock: MockHandle
) -> None:
    today = date.fromisoformat(registry_mock.admin_get("clock")["today"])
    _sync(config, today)
    factory = _factory(config)
    codes = _codes(factory)
    first, future, ancient, ended = sorted(codes)[:4]
    tomorrow = (today + timedelta(days=1)).isoformat()
    registry_mock.add_fault(
        service="csdd", kind="record",
        records={
            codes[first]: {"vehicles": [{**CAR, "firstRegistrationDate": tomorrow}]},
            codes[future]: {"vehicles": [{**CAR, "from": "2099-01-01"}]},
            codes[ancient]: {"vehicles": [{**CAR, "from": "1899-12-31"}]},
            codes[ended]: {"vehicles": [{**CAR, "to": "2200-01-01"}]},
        },
    )  # fmt: skip
    assert _sync(config, today)["quarantined"] == 4
    reasons = {r.record_ref: r.reason for r in _quarantined(factory)}
    assert (
        "firstRegistrationDate: date_between_1900_and_the_as_of_day" in reasons[mask(codes[first])]
    )
    assert "from: date_between_1900_and_a_year_ahead" in reasons[mask(codes[future])]
    assert "from: date_between_1900_and_a_year_ahead" in reasons[mask(codes[ancient])]
    assert "to: date_between_1900_and_2199" in reasons[mask(codes[ended])]
