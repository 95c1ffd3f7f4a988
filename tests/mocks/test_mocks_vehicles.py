"""The vehicle registries over a real socket (property.md §3, §7), checked against their OpenAPI
documents and the world (:mod:`mocks.world.vehicles`): CSDD vehicles/query and VTUA
machines/query (tractors and self-propelled machines of rural households only,
``mocks.world.rural``). What both answer alike is one suite over the two; what each world
holds follows."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.mocks.test_mocks_openapi import check_answer, post, problem_code, query_all
from tilts.mocks.harness import MockHandle
from tilts.mocks.registries.vehicles import vehicle_json
from tilts.mocks.world.population import Population
from tilts.mocks.world.rural import is_rural
from tilts.mocks.world.vehicles import births, household_vehicles, vehicles_of

pytest_plugins = ["tilts.mocks.pytest_plugin"]
MOCK_SERVER_OPTIONS = {"persons": 2000}
TODAY = "2026-11-26"
REF = dt.date.fromisoformat(TODAY)
SERVICES = ["csdd", "vtua"]


# ------------------------------------------------------------------------- both registries
@pytest.mark.parametrize("service", SERVICES)
def test_outcomes_in_request_order_and_the_world_s_vehicles(
    mocks: MockHandle, local: Population, service: str
) -> None:
    slot = next(s for s in range(local.size) if vehicles_of(local, s, REF, service))
    holder = local.base_code(slot)
    changed = next(
        v for s in range(local.size) if (v := local.person(s)) is not None and v.previous_codes
    )
    codes = [holder, "12345678901", "32000000000", changed.previous_codes[-1]]
    body = {"personCodes": codes, "asOfDate": "2030-01-01"}  # after today: answered as of today
    r = post(mocks, service, body, **{"X-Road-Id": f"{service}-1"})
    assert r.status_code == 200 and r.headers["x-road-id"] == f"{service}-1"
    answer = check_answer(service, r)
    assert answer["asOfDate"] == TODAY
    results = answer["results"]
    assert [(x["personCode"], x["status"]) for x in results] == [
        (holder, "FOUND"),
        ("12345678901", "INVALID_CODE"),
        ("32000000000", "NOT_FOUND"),
        (changed.previous_codes[-1], "FOUND"),
    ]
    assert results[3]["currentPersonCode"] == changed.person_code
    assert "vehicles" in results[3] and "vehicles" not in results[1]
    expected = [vehicle_json(v) for v in vehicles_of(local, slot, REF, service)]
    assert results[0]["vehicles"] == expected and expected


@pytest.mark.parametrize("service", SERVICES)
def test_limits_purpose_and_invalid_bodies(mocks: MockHandle, service: str) -> None:
    codes = [f"{i:011d}" for i in range(201)]
    r = post(mocks, service, {"personCodes": codes, "asOfDate": TODAY})
    assert problem_code(service, r)[:2] == (413, "BATCH_TOO_LARGE")
    assert post(mocks, service, {"personCodes": codes[:200], "asOfDate": TODAY}).status_code == 200
    body = {"personCodes": codes[:3], "asOfDate": TODAY}
    r = post(mocks, service, body, **{"X-Road-UserId": ""})
    assert problem_code(service, r)[:2] == (400, "MISSING_PURPOSE")
    for detail, bad in {
        "$.asOfDate: must be a valid date": {**body, "asOfDate": "2026-02-30"},
        "$.asOfDate: is required": {"personCodes": ["1"]},
        "$.personCodes: must hold at least 1 item(s)": {**body, "personCodes": []},
        "$.fromMonth: is not allowed": {**body, "fromMonth": "2026-01"},
    }.items():
        status, code, got = problem_code(service, post(mocks, service, bad))
        assert (status, code) == (400, "INVALID_REQUEST") and got == detail, got


@pytest.mark.parametrize("service", SERVICES)
def test_rate_limit(mocks: MockHandle, service: str) -> None:
    token = mocks.token()
    body = {"personCodes": ["01019012345"], "asOfDate": TODAY}
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(
            pool.map(lambda _: post(mocks, service, body, token=token, patient=False), range(20))
        )
    limited = [r for r in answers if r.status_code == 429]
    assert limited and int(limited[0].headers["retry-after"]) >= 1
    assert problem_code(service, limited[0])[:2] == (429, "RATE_LIMITED")


# ------------------------------------------------------------------------- CSDD's cars
def test_the_population_s_cars(mocks: MockHandle, local: Population, everyone: list[str]) -> None:
    """property.md §7: cars for about half the households, older and newer; some held as
    HOLDER (leasing); a few households with two cars and no children; scrapped ones listed as
    DEREGISTERED; every registration number is well formed and belongs to one person."""
    _, results = query_all(mocks, "csdd", everyone, asOfDate=TODAY)
    by_household: dict[int, list[dict[str, str]]] = {}
    owners: dict[str, str] = {}
    for slot, result in enumerate(results):
        assert result["status"] == "FOUND"
        for v in result["vehicles"]:
            assert re.fullmatch(r"[A-Z]{2,3}[0-9]{4}", v["registrationNumber"])
            assert (
                owners.setdefault(v["registrationNumber"], result["personCode"])
                == (result["personCode"])
            )
            assert v["from"] <= TODAY and v["firstRegistrationDate"] <= v["from"]
            assert v["to"] is None or v["from"] <= v["to"] <= TODAY
            by_household.setdefault(local.household_of(slot), []).append(v)
    held = {h: [v for v in vs if v["to"] is None] for h, vs in by_household.items()}
    with_car = [h for h, vs in held.items() if any(v["category"] in ("M1", "N1") for v in vs)]
    assert 0.35 < len(with_car) / local.household_count < 0.65
    roles = Counter(v["role"] for vs in held.values() for v in vs)
    assert roles["HOLDER"] > 0.05 * sum(roles.values()) and roles["OWNER"] > roles["HOLDER"]
    statuses = Counter(v["registrationStatus"] for vs in held.values() for v in vs)
    assert statuses["REGISTERED"] > statuses["DEREGISTERED"] > 0
    ages = [int(v["from"][:4]) - int(v["firstRegistrationDate"][:4]) for vs in held.values()
            for v in vs]  # fmt: skip
    assert min(ages) == 0 and max(ages) >= 10  # new and old cars
    two_cars_no_children = [
        h
        for h in with_car
        if _cars(held[h]) >= 2
        and all(
            (p := local.person(s)) is None or (REF - p.birth_date).days >= 18 * 365
            for s in local.household_slots(h)
        )
    ]
    assert 0 < len(two_cars_no_children) < 0.1 * local.household_count


def _cars(vehicles: list[dict[str, str]]) -> int:
    return sum(
        v["category"] == "M1" and v["registrationStatus"] != "DEREGISTERED" for v in vehicles
    )


def test_the_clock_buys_and_sells_cars(
    mocks: MockHandle, local: Population, everyone: list[str]
) -> None:
    """A later as-of day after the clock moved shows the cars bought meanwhile (and the sold
    ones with ``to``); the old day's answer stays as it was."""
    days = 120
    later = REF + dt.timedelta(days=days)
    buyers = {
        local.base_code(s)
        for s in range(local.size)
        for v in vehicles_of(local, s, later, "csdd")
        if REF < v.held_from <= later
    }
    sellers = {
        local.base_code(s)
        for s in range(local.size)
        for v in vehicles_of(local, s, later, "csdd")
        if v.held_to is not None and REF < v.held_to <= later
    }
    assert buyers and sellers
    _, before = query_all(mocks, "csdd", everyone, asOfDate=TODAY)
    # asking about a later day before the clock moved: answered as of today
    top, early = query_all(mocks, "csdd", everyone[:200], asOfDate=later.isoformat())
    assert top["asOfDate"] == TODAY and early == before[:200]
    mocks.advance(days, change_rate=0.0)
    top, after = query_all(mocks, "csdd", everyone, asOfDate=later.isoformat())
    assert top["asOfDate"] == later.isoformat()
    new = {
        a["personCode"]
        for b, a in zip(before, after, strict=True)
        if {v["registrationNumber"] for v in a["vehicles"]}
        - {v["registrationNumber"] for v in b["vehicles"]}
    }
    sold = {
        a["personCode"]
        for a in after
        if any(v["to"] is not None and v["to"] > TODAY for v in a["vehicles"])
    }
    assert new == buyers and sold == sellers
    _, again = query_all(mocks, "csdd", everyone[:400], asOfDate=TODAY)
    assert again == before[:400]


def test_the_world_is_per_household_and_independent_of_the_population_size(
    local: Population,
) -> None:
    bigger = Population(42, 4000)
    for index in range(0, local.household_count - 1, 7):
        born = births(local, index)
        assert born == [m.birth_date for m in local.base_household(index).members]
        assert household_vehicles(42, index, born, REF, "csdd") == (
            household_vehicles(42, index, births(bigger, index), REF, "csdd")
        )


# ------------------------------------------------------------------------- VTUA's machines
def test_machines_of_rural_households(
    mocks: MockHandle, local: Population, everyone: list[str]
) -> None:
    _, results = query_all(mocks, "vtua", everyone, asOfDate=TODAY)
    households: Counter[int] = Counter()
    categories: Counter[str] = Counter()
    for slot, result in enumerate(results):
        assert result["status"] == "FOUND"
        expected = [vehicle_json(v) for v in vehicles_of(local, slot, REF, "vtua")]
        assert result["vehicles"] == expected
        for v in result["vehicles"]:
            assert re.fullmatch(r"T[0-9]{4}[A-Z]{2,3}", v["registrationNumber"])
            households[local.household_of(slot)] += 1
            categories[v["category"]] += 1
    assert households and all(is_rural(42, h) for h in households)
    rural = [h for h in range(local.household_count) if is_rural(42, h)]
    assert 0.3 < len(households) / len(rural) < 0.9
    assert categories["TRACTOR"] > categories["SELF_PROPELLED"] > 0 and categories["TRAILER"] > 0


def test_a_csdd_token_cannot_ask_vtua(mocks: MockHandle) -> None:
    token = mocks.token(scope="csdd.vehicles")
    body = {"personCodes": ["01019012345"], "asOfDate": TODAY}
    assert problem_code("vtua", post(mocks, "vtua", body, token=token))[:2] == (403, "FORBIDDEN")
    assert post(mocks, "csdd", body, token=token).status_code == 200
