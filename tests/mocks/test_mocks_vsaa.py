"""VSAA payments/query (registries.md §4) over a real socket, checked against its OpenAPI
document, the VDEĀVK mock and the population."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from lxml import etree

from tests.mocks.test_mocks_openapi import check_answer, post, problem_code, query_all
from tilts.mocks.harness import MockHandle
from tilts.mocks.testing import SoapTestClient, codes_xml
from tilts.mocks.world.fact_types import age_on
from tilts.mocks.world.population import Population

pytest_plugins = ["tilts.mocks.pytest_plugin"]
MOCK_SERVER_OPTIONS = {"persons": 2000}
D = "{urn:lv:vdeavk:disability:v1}"
MONTHS = {"fromMonth": "2026-08", "toMonth": "2026-10"}
PENSIONS = {"OLD_AGE_PENSION", "SERVICE_PENSION"}


def _changed_code(local: Population) -> tuple[str, str]:
    """(old code, current code) of a person who changed code."""
    view = next(
        v for s in range(local.size) if (v := local.person(s)) is not None and v.previous_codes
    )
    return view.previous_codes[-1], view.person_code


def test_outcomes_in_request_order(mocks: MockHandle, local: Population) -> None:
    old, current = _changed_code(local)
    found = [local.base_code(s) for s in (0, 1, 2)]
    display = f"{found[1][:6]}-{found[1][6:]}"
    codes = [found[0], "bad", "32000000000", old, display, found[2], found[0]]
    r = post(mocks, "vsaa", {"personCodes": codes, **MONTHS}, **{"X-Road-Id": "msg-1"})
    assert r.status_code == 200 and r.headers["x-road-id"] == "msg-1"
    answer = check_answer("vsaa", r)
    assert answer["dataCompleteThrough"] == "2026-10"
    results = answer["results"]
    assert [x["personCode"] for x in results] == codes
    assert [x["status"] for x in results] == [
        "FOUND",
        "INVALID_CODE",
        "NOT_FOUND",
        "FOUND",
        "FOUND",
        "FOUND",
        "FOUND",
    ]
    assert results[3]["currentPersonCode"] == current
    assert results[4]["currentPersonCode"] == found[1]
    assert "currentPersonCode" not in results[0] and "payments" not in results[1]
    assert results[0] == results[6]
    expected = sorted(
        (p.month, p.benefit_type, str(p.paid_amount))
        for p in local.payments(found[0], "2026-08", "2026-10") or []
    )
    got = [(p["month"], p["benefitType"], p["paidAmount"]) for p in results[0]["payments"]]
    assert got == expected
    for p in (p for x in results if x["status"] == "FOUND" for p in x["payments"]):
        assert "2026-08" <= p["month"] <= "2026-10"
        assert float(p["grossAmount"]) - float(p["incomeTaxWithheld"]) == pytest.approx(
            float(p["paidAmount"])
        )
        assert p["paymentDate"] <= "2026-11-26"


def test_limits_purpose_and_invalid_bodies(mocks: MockHandle) -> None:
    codes = [f"{i:011d}" for i in range(501)]
    assert problem_code("vsaa", post(mocks, "vsaa", {"personCodes": codes, **MONTHS}))[:2] == (
        413,
        "BATCH_TOO_LARGE",
    )
    r = post(mocks, "vsaa", {"personCodes": codes[:500], **MONTHS})
    assert r.status_code == 200 and len(check_answer("vsaa", r)["results"]) == 500
    body = {"personCodes": codes[:1], **MONTHS}
    for header in ("X-Road-Issue", "X-Road-UserId"):
        assert problem_code("vsaa", post(mocks, "vsaa", body, **{header: ""}))[:2] == (
            400,
            "MISSING_PURPOSE",
        )
    assert problem_code(
        "vsaa", post(mocks, "vsaa", body, **{"X-Road-Client": "LV/GOV/90000000051/SOC"})
    )[:2] == (403, "FORBIDDEN")
    bad = {
        "$.fromMonth: must match": {**body, "fromMonth": "2026-8"},
        "$.toMonth: is required": {"personCodes": ["1"], "fromMonth": "2026-01"},
        "$.toMonth: at most 12 months": {**body, "fromMonth": "2025-10"},
        "$.toMonth: must not be before": {**body, "toMonth": "2026-07"},
        "$.personCodes[0]: must be of type string": {**body, "personCodes": [1]},
        "$.personCodes: must hold at least 1": {**body, "personCodes": []},
        "$.asOfDate: is not allowed": {**body, "asOfDate": "2026-01-01"},
    }
    for detail, b in bad.items():
        status, code, got = problem_code("vsaa", post(mocks, "vsaa", b))
        assert (status, code) == (400, "INVALID_REQUEST") and got.startswith(detail), got
    assert mocks.journal(service="vsaa", operation="payments/query")[0]["batchSize"] == 501


def test_rate_limit(mocks: MockHandle) -> None:
    token = mocks.token()
    body = {"personCodes": ["01019012345"], **MONTHS}
    with ThreadPoolExecutor(max_workers=20) as pool:  # 20 calls at once, 10 calls/s allowed
        answers = list(
            pool.map(lambda _: post(mocks, "vsaa", body, token=token, patient=False), range(20))
        )
    limited = [r for r in answers if r.status_code == 429]
    assert limited and all(r.status_code in (200, 429) for r in answers)
    assert int(limited[0].headers["retry-after"]) >= 1
    assert problem_code("vsaa", limited[0])[:2] == (429, "RATE_LIMITED")
    # another client has a bucket of its own
    assert post(mocks, "vsaa", body, client="demo-tukums").status_code == 200


def test_faults_and_journal(mocks: MockHandle) -> None:
    body = {"personCodes": ["01019012345"], **MONTHS}
    mocks.add_fault(service="vsaa", kind="http_status", status=503, retryAfter=2, count=1)
    r = post(mocks, "vsaa", body)
    assert problem_code("vsaa", r)[:2] == (503, "UNAVAILABLE")
    assert r.headers["retry-after"] == "2"
    assert post(mocks, "vsaa", body).status_code == 200
    mocks.add_fault(service="vsaa", operation="payments/query", kind="malformed", count=1)
    r = post(mocks, "vsaa", body)
    assert r.status_code == 200
    with pytest.raises(requests.JSONDecodeError):
        r.json()
    mocks.add_fault(service="vsaa", kind="wrong_message_id", count=1)
    r = post(mocks, "vsaa", body, **{"X-Road-Id": "mine"})
    assert r.status_code == 200 and r.headers["x-road-id"] != "mine"
    check_answer("vsaa", r)
    r = post(mocks, "vsaa", body, **{"X-Road-Id": "mine", "X-Road-Issue": "case 010190-12345"})
    assert r.headers["x-road-id"] == "mine"
    entries = mocks.journal(service="vsaa")
    assert [e["outcome"] for e in entries] == ["INJECTED", "OK", "MALFORMED", "OK", "OK"]
    assert [e["injectedFault"] for e in entries][:3] == ["http_status", None, "malformed"]
    assert entries[-1]["batchSize"] == 1 and entries[-1]["userId"] == "LVsvc-test"
    assert "010190-12345" not in str(entries) and "01019012345" not in str(entries)


def test_disability_pensions_and_old_age_pensions(mocks: MockHandle, local: Population) -> None:
    today = local.today
    ages = {
        local.base_code(s): age_on(p.birth_date, today)
        for s in range(local.size)
        if (p := local.person(s))
    }
    working_age = [c for c, a in ages.items() if 18 <= a < 65]
    vdeavk = SoapTestClient(mocks, service="vdeavk")
    adults = []  # a current adult decision (VDEĀVK) valid for the whole of October 2026
    for i in range(0, len(working_age), 100):
        reply = vdeavk.call("getDisabilityDecisions", codes_xml(working_age[i : i + 100]))
        assert reply.status == 200
        for person in reply.body().findall(f"{D}person"):
            decisions: list[etree._Element] = person.findall(f"{D}decision")
            if any(
                d.findtext(f"{D}subject") == "ADULT"
                and (d.findtext(f"{D}validFrom") or "9") <= "2026-10-01"
                for d in decisions
            ):
                adults.append(person.findtext(f"{D}personCode") or "")
    assert len(adults) > 20
    pensioners = [c for c, a in ages.items() if a >= 66]
    _, results = query_all(
        mocks, "vsaa", adults + pensioners, fromMonth="2026-10", toMonth="2026-10"
    )
    kinds = {x["personCode"]: {p["benefitType"] for p in x["payments"]} for x in results}
    for code in adults:  # a disability pension, or the state social security benefit instead
        assert kinds[code] & {"DISABILITY_PENSION", "STATE_SOCIAL_SECURITY_BENEFIT"}, code
    assert sum("DISABILITY_PENSION" in kinds[c] for c in adults) > len(adults) / 2
    assert pensioners and all(kinds[c] & PENSIONS for c in pensioners)
    assert sum("OLD_AGE_PENSION" in kinds[c] for c in pensioners) > 0.9 * len(pensioners)


def test_data_complete_through_moves_with_the_clock(mocks: MockHandle, local: Population) -> None:
    ages = ((local.base_code(s), local.person(s)) for s in range(200))
    pensioners = [c for c, p in ages if p is not None and age_on(p.birth_date, local.today) >= 66]
    months = {"fromMonth": "2026-10", "toMonth": "2026-12"}
    top, before = query_all(mocks, "vsaa", pensioners, **months)
    assert top["dataCompleteThrough"] == "2026-10"
    mocks.advance(30, change_rate=0.0)
    top, after = query_all(mocks, "vsaa", pensioners, **months)
    assert top["dataCompleteThrough"] == "2026-11"
    n_before = sum(len(x["payments"]) for x in before)
    n_after = sum(len(x["payments"]) for x in after)
    assert n_after > n_before  # November's pensions (and October's benefits) are paid now
    for b, a in zip(before, after, strict=True):  # a complete month does not change
        oct_b = [
            p for p in b["payments"] if p["month"] == "2026-10" and p["benefitType"] in PENSIONS
        ]
        oct_a = [
            p for p in a["payments"] if p["month"] == "2026-10" and p["benefitType"] in PENSIONS
        ]
        assert oct_b == oct_a
    mocks.set_today(dt.date(2026, 12, 23))
    assert (
        post(mocks, "vsaa", {"personCodes": pensioners[:1], **months}).json()["dataCompleteThrough"]
        == "2026-10"
    )
