"""Found by attacking it (issue 18, items 2 and 3): dates out of range and duplicates within one
registry answer, end to end through a real sync over a real store and the mock."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from tilts.flows.sync_population import sync_population
from tilts.flows.sync_registries import sync_employment, sync_income
from tilts.kernel.clock import riga_today
from tilts.kernel.personal_code import mask
from tilts.mocks.harness import MockHandle

from .test_bad_records import _codes, _factory, _facts, _payloads, _quarantined


@pytest.mark.postgres
def test_duplicates_in_one_answer_are_folded_or_quarantined(
    config: Path, registry_mock: MockHandle
) -> None:
    today = registry_mock.admin_get("clock")["today"]
    first = sync_income(config_path=str(config), as_of=today, full=True)
    sync_employment(config_path=str(config), as_of=today, full=True)
    assert first["failures"] == [] and first["quarantined"] == 0
    factory = _factory(config)
    codes = _codes(factory)
    payments = _payloads(factory, "VSAA", "PAYMENT")
    jobs = _payloads(factory, "VID", "EMPLOYMENT")
    income = _payloads(factory, "VID", "INCOME")
    paid = next(p for p in sorted(payments) if payments[p])
    worker = next(p for p in sorted(jobs) if jobs[p] and p != paid)
    before = {src: _facts(factory, src) for src in ("VSAA", "VID")}

    twice = [*payments[paid], dict(payments[paid][0])]  # the same payment stated twice
    other_end = dict(jobs[worker][0], endDate="2026-01-31")
    if other_end == jobs[worker][0]:
        other_end["endDate"] = "2025-12-31"
    registry_mock.add_fault(service="vsaa", kind="record",
                            records={codes[paid]: {"payments": twice}})  # fmt: skip
    registry_mock.add_fault(
        service="vid", kind="record",
        records={codes[worker]: {"employments": [*jobs[worker], other_end],
                                 "income": income.get(worker, [])}},
    )  # fmt: skip
    second = sync_income(config_path=str(config), as_of=today, full=True)
    assert second["failures"] == []
    after = {src: _facts(factory, src) for src in ("VSAA", "VID")}
    # the exact duplicate payment is one payment: stored once, nothing new for that person
    assert after["VSAA"][paid] == before["VSAA"][paid], mask(codes[paid])
    assert len(_payloads(factory, "VSAA", "PAYMENT")[paid]) == len(payments[paid])
    # the conflicting employment is quarantined with its reason; the person keeps what was stored
    assert second["quarantined"] == 2  # both rows of the conflicting key
    rows = [r for r in _quarantined(factory) if r.service == "vid"]
    assert {r.record_ref for r in rows} == {mask(codes[worker])}
    assert all("employerRegNo, startDate" in r.reason for r in rows), [r.reason for r in rows]
    assert all(codes[worker] not in r.reason for r in rows)
    assert after["VID"][worker] == before["VID"][worker]


@pytest.mark.postgres
def test_registry_dates_out_of_range_are_quarantined_naming_the_field(
    config: Path, registry_mock: MockHandle
) -> None:
    today = date.fromisoformat(registry_mock.admin_get("clock")["today"])
    assert sync_population(config_path=str(config))["quarantined"] == 0
    assert sync_employment(config_path=str(config), as_of=today.isoformat())["quarantined"] == 0
    assert sync_income(config_path=str(config), as_of=today.isoformat())["quarantined"] == 0
    factory = _factory(config)
    codes = _codes(factory)
    regs = _payloads(factory, "NVA", "REGISTRATION")
    jobs = _payloads(factory, "VID", "EMPLOYMENT")
    income = _payloads(factory, "VID", "INCOME")
    rural = _payloads(factory, "LAD", "RURAL_PAYMENT")
    maintenance = _payloads(factory, "UGFA", "MAINTENANCE")
    found = sorted(codes)
    registered = next(p for p in sorted(regs) if regs[p])
    worker = next(p for p in sorted(jobs) if jobs[p] and p != registered)
    farmer = next(p for p in sorted(rural) if rural[p] and p not in (registered, worker))
    child = next(p for p in sorted(maintenance) if maintenance[p] and p not in (registered, worker))
    taken = (registered, worker, farmer, child)
    future_born, ancient = [p for p in found if p not in taken][:2]
    registry_mock.add_fault(  # a campaign year far ahead (paid in it, so only the year is wrong)
        service="lad", kind="record",
        records={codes[farmer]: {"payments": [dict(rural[farmer][0], campaignYear=2099,
                                                   paymentDate="2099-03-10")]}},
    )  # fmt: skip
    registry_mock.add_fault(
        service="ugfa", kind="record",
        records={codes[child]: {"payments": [dict(maintenance[child][0], month="2098-12",
                                                  paymentDate="2098-12-15")]}},
    )  # fmt: skip
    registry_mock.add_fault(
        service="nva", kind="record",
        records={codes[registered]: {"registration": {"kind": "UNEMPLOYED", "since": "2099-01-01"}}},
    )  # fmt: skip
    registry_mock.add_fault(
        service="vid", kind="record",
        records={codes[worker]: {"employments": [dict(jobs[worker][0], startDate="1899-12-31")],
                                 "income": income.get(worker, [])}},
    )  # fmt: skip
    # the population sync has no as-of day: a birth more than a year after today is refused
    born = (riga_today() + timedelta(days=400)).isoformat()
    registry_mock.add_fault(
        service="pmlp", operation="getPersons", kind="record",
        records={codes[future_born]: {"birthDate": born}, codes[ancient]: {"birthDate": "1850-01-01"}},
    )  # fmt: skip
    pop = sync_population(config_path=str(config), full=True)
    employment = sync_employment(config_path=str(config), as_of=today.isoformat(), full=True)
    income_run = sync_income(config_path=str(config), as_of=today.isoformat(), full=True)
    assert (pop["quarantined"], employment["quarantined"], income_run["quarantined"]) == (2, 1, 3)
    reasons = {(r.service, r.record_ref): r.reason for r in _quarantined(factory)}
    assert "birthDate: date_between_1900_and_today" in reasons[("pmlp", mask(codes[future_born]))]
    assert "birthDate: date_between_1900_and_today" in reasons[("pmlp", mask(codes[ancient]))]
    assert "since: date_between_1900_and_a_year_ahead" in reasons[("nva", mask(codes[registered]))]
    assert "startDate: date_between_1900_and_a_year_ahead" in reasons[("vid", mask(codes[worker]))]
    lad_reason = reasons[("lad", mask(codes[farmer]))]
    assert "campaignYear: campaign_year_an_integer_from_1990_to_a_year_ahead" in lad_reason
    assert "paymentDate: date_between_1900_and_a_year_ahead" in lad_reason
    ugfa_reason = reasons[("ugfa", mask(codes[child]))]
    assert "month: month_between_1900_and_a_year_ahead" in ugfa_reason
    assert "paymentDate: date_between_1900_and_a_year_ahead" in ugfa_reason
