"""VTUA machines/query (property.md §3, §7) over a real socket: tractors and self-propelled
machines of rural households only (``mocks.world.rural``), checked against the OpenAPI document
and the world (:mod:`mocks.world.vehicles`)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.mocks.test_mocks_openapi import check_answer, post, problem_code, query_all
from tilts.mocks.harness import MockHandle
from tilts.mocks.registries.vehicles import vehicle_json
from tilts.mocks.world.population import Population
from tilts.mocks.world.rural import is_rural
from tilts.mocks.world.vehicles import vehicles_of

pytest_plugins = ["tilts.mocks.pytest_plugin"]
MOCK_SERVER_OPTIONS = {"persons": 2000}
TODAY = "2026-11-26"
REF = dt.date.fromisoformat(TODAY)


@pytest.fixture(scope="module")
def local() -> Population:
    return Population(42, 2000)


@pytest.fixture
def mocks(mock_server: MockHandle) -> Iterator[MockHandle]:
    mock_server.reset()
    yield mock_server


@pytest.fixture(scope="module")
def everyone(local: Population) -> list[str]:
    return [local.base_code(s) for s in range(local.size)]


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


def test_outcomes_limits_and_rate(mocks: MockHandle, local: Population) -> None:
    slot = next(s for s in range(local.size) if vehicles_of(local, s, REF, "vtua"))
    codes = [local.base_code(slot), "12345678901", "32000000000"]
    r = post(mocks, "vtua", {"personCodes": codes, "asOfDate": "2031-05-05"})
    answer = check_answer("vtua", r)
    assert answer["asOfDate"] == TODAY
    assert [x["status"] for x in answer["results"]] == ["FOUND", "INVALID_CODE", "NOT_FOUND"]
    assert answer["results"][0]["vehicles"]
    many = [f"{i:011d}" for i in range(201)]
    r = post(mocks, "vtua", {"personCodes": many, "asOfDate": TODAY})
    assert problem_code("vtua", r)[:2] == (413, "BATCH_TOO_LARGE")
    token = mocks.token()
    body = {"personCodes": ["01019012345"], "asOfDate": TODAY}
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(
            pool.map(lambda _: post(mocks, "vtua", body, token=token, patient=False), range(12))
        )
    limited = [r for r in answers if r.status_code == 429]  # 5 calls/s
    assert limited and problem_code("vtua", limited[0])[:2] == (429, "RATE_LIMITED")


def test_a_csdd_token_cannot_ask_vtua(mocks: MockHandle) -> None:
    token = mocks.token(scope="csdd.vehicles")
    body = {"personCodes": ["01019012345"], "asOfDate": TODAY}
    assert problem_code("vtua", post(mocks, "vtua", body, token=token))[:2] == (403, "FORBIDDEN")
    assert post(mocks, "csdd", body, token=token).status_code == 200
