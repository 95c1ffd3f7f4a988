"""VID income/query (registries.md §5) over a real socket, checked against its OpenAPI document
and the population."""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.mocks.test_mocks_openapi import check_answer, post, problem_code, query_all
from tilts.mocks.harness import MockHandle
from tilts.mocks.world.population import Population

pytest_plugins = ["tilts.mocks.pytest_plugin"]
MOCK_SERVER_OPTIONS = {"persons": 2000}
MONTHS = {"fromMonth": "2025-11", "toMonth": "2026-10"}


def test_outcomes_in_request_order(mocks: MockHandle, local: Population) -> None:
    changed = next(
        v for s in range(local.size) if (v := local.person(s)) is not None and v.previous_codes
    )
    found = local.base_code(3)
    codes = [found, "0101901234", changed.previous_codes[-1], "32000000000", changed.person_code]
    r = post(mocks, "vid", {"personCodes": codes, **MONTHS}, **{"X-Road-Id": "vid-1"})
    assert r.status_code == 200 and r.headers["x-road-id"] == "vid-1"
    answer = check_answer("vid", r)
    assert answer["dataCompleteThrough"] == "2026-09"
    results = answer["results"]
    assert [(x["personCode"], x["status"]) for x in results] == [
        (found, "FOUND"),
        ("0101901234", "INVALID_CODE"),
        (changed.previous_codes[-1], "FOUND"),
        ("32000000000", "NOT_FOUND"),
        (changed.person_code, "FOUND"),
    ]
    assert results[2]["currentPersonCode"] == changed.person_code
    assert "currentPersonCode" not in results[4]
    assert {
        k: v for k, v in results[2].items() if k not in ("personCode", "currentPersonCode")
    } == {k: v for k, v in results[4].items() if k != "personCode"}
    expected = [
        (x.month, x.employer_reg_no, x.income_type, str(x.net_amount))
        for x in local.income(found, "2025-11", "2026-10") or []
    ]
    got = [
        (x["month"], x.get("employerRegNo"), x["incomeType"], x["netAmount"])
        for x in results[0]["income"]
    ]
    assert got == expected


def test_limits_purpose_and_invalid_bodies(mocks: MockHandle) -> None:
    codes = [f"{i:011d}" for i in range(201)]
    assert problem_code("vid", post(mocks, "vid", {"personCodes": codes, **MONTHS}))[:2] == (
        413,
        "BATCH_TOO_LARGE",
    )
    assert post(mocks, "vid", {"personCodes": codes[:200], **MONTHS}).status_code == 200
    body = {"personCodes": codes[:2], **MONTHS}
    assert problem_code("vid", post(mocks, "vid", body, **{"X-Road-UserId": ""}))[:2] == (
        400,
        "MISSING_PURPOSE",
    )
    for detail, bad in {
        "$.fromMonth: must match": {**body, "fromMonth": "2026-00"},
        "$.personCodes: is required": {"fromMonth": "2026-01", "toMonth": "2026-01"},
        "$.toMonth: must not be before $.fromMonth": {**body, "toMonth": "2025-10"},
        "$.personCodes[1]: must be of type string": {**body, "personCodes": ["1", None]},
    }.items():
        status, code, got = problem_code("vid", post(mocks, "vid", bad))
        assert (status, code) == (400, "INVALID_REQUEST") and got.startswith(detail), got


def test_rate_limit(mocks: MockHandle) -> None:
    token = mocks.token()
    body = {"personCodes": ["01019012345"], **MONTHS}
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(
            pool.map(lambda _: post(mocks, "vid", body, token=token, patient=False), range(20))
        )
    limited = [r for r in answers if r.status_code == 429]
    assert limited and int(limited[0].headers["retry-after"]) >= 1
    assert problem_code("vid", limited[0])[:2] == (429, "RATE_LIMITED")


def _by_month(results: list[dict[str, Any]]) -> dict[str, list[tuple[str, Any, str, str]]]:
    out: dict[str, list[tuple[str, Any, str, str]]] = defaultdict(list)
    for x in results:
        for r in x.get("income", ()):
            out[r["month"]].append(
                (x["personCode"], r.get("employerRegNo"), r["incomeType"], r["netAmount"])
            )
    return out


def test_employers_and_income_are_coherent(mocks: MockHandle, everyone: list[str]) -> None:
    _, results = query_all(mocks, "vid", everyone, **MONTHS)
    several = 0
    types: set[str] = set()
    for x in results:
        assert x["status"] == "FOUND"
        jobs = {e["employerRegNo"] for e in x["employments"]}
        per_month: dict[str, set[str]] = defaultdict(set)
        for e in x["employments"]:
            assert e["startDate"] <= e.get("endDate", "9999") and e["startDate"] <= "2026-10-31"
        for r in x["income"]:
            types.add(r["incomeType"])
            assert (r.get("employerRegNo") is None) == (
                r["incomeType"] in ("SELF_EMPLOYMENT", "RENTAL", "OTHER")
            )
            if r["incomeType"] == "SALARY":  # a salary comes from an employment of that person
                assert r["employerRegNo"] in jobs, x["personCode"]
                per_month[r["month"]].add(r["employerRegNo"])
        several += any(len(regs) > 1 for regs in per_month.values())
    assert several > 10  # several employers in one month are normal
    assert {"SALARY", "SELF_EMPLOYMENT"} <= types


def test_late_months_grow_after_the_clock_moves(mocks: MockHandle, everyone: list[str]) -> None:
    months = {"fromMonth": "2026-06", "toMonth": "2026-11"}
    top, before = query_all(mocks, "vid", everyone, **months)
    assert top["dataCompleteThrough"] == "2026-09"
    mocks.advance(30, change_rate=0.0)  # 2026-12-26
    top, after = query_all(mocks, "vid", everyone, client="demo-tukums", **months)
    assert top["dataCompleteThrough"] == "2026-10"
    b, a = _by_month(before), _by_month(after)
    for month in ("2026-06", "2026-07", "2026-08", "2026-09"):  # complete: unchanged
        assert b[month] == a[month], month
    assert 0 < len(b["2026-10"]) < len(a["2026-10"])  # late reports arrived
    assert set(b["2026-10"]) <= set(a["2026-10"])
    assert not b["2026-11"] and a["2026-11"]  # November reported in December
