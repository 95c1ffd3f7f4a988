"""NVA status/query (registries.md §6) over a real socket, checked against its OpenAPI document
and the population."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from tests.mocks.test_mocks_openapi import check_answer, post, problem_code, query_all
from tilts.mocks.harness import MockHandle
from tilts.mocks.world.population import Population

pytest_plugins = ["tilts.mocks.pytest_plugin"]
MOCK_SERVER_OPTIONS = {"persons": 2000}
TODAY = "2026-11-26"


def test_outcomes_in_request_order(mocks: MockHandle, local: Population) -> None:
    registered = next(
        c
        for s in range(local.size)
        if (n := local.nva(c := local.base_code(s))) is not None and n.kind == "UNEMPLOYED"
    )
    changed = next(
        v for s in range(local.size) if (v := local.person(s)) is not None and v.previous_codes
    )
    codes = [registered, "12345678901", "32000000000", changed.previous_codes[-1]]
    body = {"personCodes": codes, "asOfDate": "2030-01-01"}  # after today: answered as of today
    r = post(mocks, "nva", body, **{"X-Road-Id": "nva-1"})
    assert r.status_code == 200 and r.headers["x-road-id"] == "nva-1"
    answer = check_answer("nva", r)
    assert answer["asOfDate"] == TODAY
    results = answer["results"]
    assert [(x["personCode"], x["status"]) for x in results] == [
        (registered, "FOUND"),
        ("12345678901", "INVALID_CODE"),
        ("32000000000", "NOT_FOUND"),
        (changed.previous_codes[-1], "FOUND"),
    ]
    assert results[3]["currentPersonCode"] == changed.person_code
    reg = results[0]["registration"]
    expected = local.nva(registered)
    assert expected is not None and expected.since is not None
    assert (reg["kind"], reg["since"]) == ("UNEMPLOYED", expected.since.isoformat())
    assert "registration" not in results[1] and "registration" not in results[2]


def test_limits_purpose_and_invalid_bodies(mocks: MockHandle) -> None:
    codes = [f"{i:011d}" for i in range(501)]
    r = post(mocks, "nva", {"personCodes": codes, "asOfDate": TODAY})
    assert problem_code("nva", r)[:2] == (413, "BATCH_TOO_LARGE")
    assert post(mocks, "nva", {"personCodes": codes[:500], "asOfDate": TODAY}).status_code == 200
    body = {"personCodes": codes[:3], "asOfDate": TODAY}
    assert problem_code("nva", post(mocks, "nva", body, **{"X-Road-Issue": ""}))[:2] == (
        400,
        "MISSING_PURPOSE",
    )
    for detail, bad in {
        "$.asOfDate: must be a valid date": {**body, "asOfDate": "2026-02-30"},
        "$.asOfDate: is required": {"personCodes": ["1"]},
        "$.asOfDate: must be of type string": {**body, "asOfDate": 20261126},
        "$.personCodes: must be of type array": {**body, "personCodes": "01019012345"},
        "$.fromMonth: is not allowed": {**body, "fromMonth": "2026-01"},
    }.items():
        status, code, got = problem_code("nva", post(mocks, "nva", bad))
        assert (status, code) == (400, "INVALID_REQUEST") and got == detail, got


def test_rate_limit(mocks: MockHandle) -> None:
    token = mocks.token()
    body = {"personCodes": ["01019012345"], "asOfDate": TODAY}
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(
            pool.map(lambda _: post(mocks, "nva", body, token=token, patient=False), range(20))
        )
    limited = [r for r in answers if r.status_code == 429]
    assert limited and int(limited[0].headers["retry-after"]) >= 1
    assert problem_code("nva", limited[0])[:2] == (429, "RATE_LIMITED")


def test_registrations_cover_every_kind(mocks: MockHandle, everyone: list[str]) -> None:
    _, results = query_all(mocks, "nva", everyone, asOfDate=TODAY)
    regs = [x["registration"] for x in results]
    kinds = Counter(r["kind"] for r in regs)
    assert {"UNEMPLOYED", "JOB_SEEKER", "NOT_REGISTERED"} <= set(kinds)
    assert kinds["NOT_REGISTERED"] > len(regs) / 2
    reasons = {r["endReason"] for r in regs if "endReason" in r}
    assert "PENSION_AGE" in reasons and len(reasons) >= 4
    for r in regs:
        assert r.get("since", "") <= TODAY and r.get("endedOn", TODAY) <= TODAY
    # measures last 1-5 months early in a registration: look back in history for them
    past = "2026-03-01"
    top, results = query_all(mocks, "nva", everyone, asOfDate=past)
    assert top["asOfDate"] == past
    regs = [x["registration"] for x in results]
    measures = [r["activeMeasure"] for r in regs if "activeMeasure" in r]
    assert measures and any(m["stipendPaid"] for m in measures)
    for r in regs:
        assert r.get("since", "") <= past and r.get("endedOn", past) <= past
        if "activeMeasure" in r:
            assert "endedOn" not in r and r["activeMeasure"]["from"] <= past
            assert past <= r["activeMeasure"]["to"]


def test_status_changes_when_the_clock_moves(mocks: MockHandle, everyone: list[str]) -> None:
    _, before = query_all(mocks, "nva", everyone, asOfDate=TODAY)
    mocks.advance(150, change_rate=0.0)
    later = (dt.date.fromisoformat(TODAY) + dt.timedelta(days=150)).isoformat()
    top, after = query_all(mocks, "nva", everyone, client="demo-tukums", asOfDate=later)
    assert top["asOfDate"] == later
    found_jobs = [
        (b, a)
        for b, a in zip(before, after, strict=True)
        if "endedOn" not in b["registration"]
        and b["registration"]["kind"] == "UNEMPLOYED"
        and a["registration"].get("endReason") == "EMPLOYED"
    ]
    assert found_jobs  # unemployed persons who found a job meanwhile
    for b, a in found_jobs:
        assert a["registration"]["since"] == b["registration"]["since"]
        assert TODAY < a["registration"]["endedOn"] <= later
    # history is kept: asking for the old day again gives the old answers
    _, again = query_all(mocks, "nva", everyone[:500], asOfDate=TODAY)
    assert again == before[:500]


def _months(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def test_paid_measures_answer_their_stipends_month_by_month(
    mocks: MockHandle, everyone: list[str]
) -> None:
    """Public works and start-up grants pay every month from the measure's first month through
    the month asked about (registries.md §6 ``stipends``); other measures pay nothing there."""
    paid: dict[str, int] = Counter()
    for past in ("2026-09-10", "2026-06-01", "2026-03-01", "2025-10-15", "2025-06-20"):
        _, results = query_all(mocks, "nva", everyone, asOfDate=past)
        for r in results:
            m = r.get("registration", {}).get("activeMeasure")
            if m is None:
                continue
            assert "stipends" in m
            if m["type"] not in ("PAID_TEMPORARY_PUBLIC_WORKS", "BUSINESS_START_UP"):
                assert m["stipends"] == []
                continue
            paid[m["type"]] += 1
            months = [s["month"] for s in m["stipends"]]
            assert months == _months(m["from"][:7], past[:7])
            amounts = [float(s["amount"]) for s in m["stipends"]]
            assert all(a > 0 for a in amounts)
            full = amounts[1:-1]
            # the months the measure ran whole are paid the same; the first is pro rata
            assert len(set(full)) <= 1
            if full:
                assert amounts[0] <= full[0]
    assert paid["PAID_TEMPORARY_PUBLIC_WORKS"] > 0 and paid["BUSINESS_START_UP"] > 0
