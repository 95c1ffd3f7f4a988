"""LAD payments/query (property.md §5) over a real socket, checked against its OpenAPI document
and the world (property.md §7: rural support for rural households, campaign-year based)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.mocks.test_mocks_openapi import check_answer, post, problem_code, query_all
from tilts.mocks.harness import MockHandle
from tilts.mocks.world import lad as lad_world
from tilts.mocks.world.population import Population
from tilts.mocks.world.rural import is_rural

pytest_plugins = ["tilts.mocks.pytest_plugin"]
MOCK_SERVER_OPTIONS = {"persons": 2000}
MONTHS = {"fromMonth": "2025-12", "toMonth": "2026-11"}


def _farmers(local: Population) -> list[str]:
    """Heads of the households that draw a farm."""
    return [
        local.base_code(local.household_slots(h).start)
        for h in range(local.household_count)
        if lad_world.farm(local, h) is not None
    ]


def test_outcomes_and_payments_of_farmers(mocks: MockHandle, local: Population) -> None:
    farmers = _farmers(local)
    assert len(farmers) > 20
    codes = [farmers[0], "bad", "32000000000", local.base_code(1), farmers[1]]
    r = post(mocks, "lad", {"personCodes": codes, **MONTHS}, **{"X-Road-Id": "msg-1"})
    assert r.status_code == 200 and r.headers["x-road-id"] == "msg-1"
    answer = check_answer("lad", r)
    assert answer["dataCompleteThrough"] == "2026-10"
    results = answer["results"]
    assert [x["status"] for x in results] == [
        "FOUND", "INVALID_CODE", "NOT_FOUND", "FOUND", "FOUND",
    ]  # fmt: skip
    got = [(p["paymentDate"], p["paymentType"], p["amount"]) for p in results[0]["payments"]]
    expected = [
        (p.payment_date.isoformat(), p.payment_type, str(p.amount))
        for p in lad_world.payments(local, farmers[0], "2025-12", "2026-11")
    ]
    assert got == expected and got
    for p in results[0]["payments"] + results[4]["payments"]:
        assert "2025-12-01" <= p["paymentDate"] <= "2026-11-26"
        assert int(p["paymentDate"][:4]) >= p["campaignYear"]


def test_only_rural_households_are_paid(mocks: MockHandle, local: Population) -> None:
    codes = [local.base_code(s) for s in range(0, local.size, 3)]
    _, results = query_all(mocks, "lad", codes, **MONTHS)
    paid = [x["personCode"] for x in results if x["payments"]]
    assert paid
    for code in paid:
        slot = local.resolve(code)
        assert slot is not None
        household = local.household_of(slot)
        assert is_rural(local.seed, household) and local.household_slots(household).start == slot
    # a campaign year brings a few payments, not a monthly stream
    per_farmer = [len(x["payments"]) for x in results if x["payments"]]
    assert max(per_farmer) <= 8


def test_limits_and_invalid_bodies(mocks: MockHandle) -> None:
    codes = [f"{i:011d}" for i in range(501)]
    status, code, _ = problem_code("lad", post(mocks, "lad", {"personCodes": codes, **MONTHS}))
    assert (status, code) == (413, "BATCH_TOO_LARGE")
    r = post(mocks, "lad", {"personCodes": codes[:500], **MONTHS})
    assert r.status_code == 200 and len(check_answer("lad", r)["results"]) == 500
    body = {"personCodes": codes[:1], **MONTHS}
    bad = {
        "$.toMonth: at most 12 months": {**body, "fromMonth": "2025-10"},
        "$.fromMonth: must match": {**body, "fromMonth": "2026-8"},
        "$.asOfDate: is not allowed": {**body, "asOfDate": "2026-01-01"},
    }
    for detail, b in bad.items():
        status, code, got = problem_code("lad", post(mocks, "lad", b))
        assert (status, code) == (400, "INVALID_REQUEST") and got.startswith(detail), got
    assert problem_code(
        "lad", post(mocks, "lad", body, **{"X-Road-Client": "LV/GOV/90000000051/SOC"})
    )[:2] == (403, "FORBIDDEN")


def test_rate_limit_is_five_calls_a_second(mocks: MockHandle) -> None:
    token = mocks.token()
    body = {"personCodes": ["01019012345"], **MONTHS}
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(
            pool.map(lambda _: post(mocks, "lad", body, token=token, patient=False), range(12))
        )
    limited = [r for r in answers if r.status_code == 429]
    assert limited and problem_code("lad", limited[0])[:2] == (429, "RATE_LIMITED")


def test_clock_adds_payment_months(mocks: MockHandle, local: Population) -> None:
    farmers = _farmers(local)
    months = {"fromMonth": "2026-06", "toMonth": "2027-05"}
    top, before = query_all(mocks, "lad", farmers, **months)
    assert top["dataCompleteThrough"] == "2026-10"
    mocks.advance(60, change_rate=0.0)  # through the December advances
    top, after = query_all(mocks, "lad", farmers, **months)
    assert top["dataCompleteThrough"] == "2026-12"
    n_before = sum(len(x["payments"]) for x in before)
    n_after = sum(len(x["payments"]) for x in after)
    assert n_after > n_before
    for b, a in zip(before, after, strict=True):  # what was paid stays paid
        assert all(p in a["payments"] for p in b["payments"])
    assert any(p["paymentDate"].startswith("2026-12") for x in after for p in x["payments"])


def test_same_seed_same_payments() -> None:
    one, two = Population(7, 3000), Population(7, 3000)
    codes = [one.base_code(s) for s in range(0, 3000, 7)]
    assert [lad_world.payments(one, c, *MONTHS.values()) for c in codes] == [
        lad_world.payments(two, c, *MONTHS.values()) for c in codes
    ]
