"""UGFA maintenance/query (property.md §6) over a real socket, checked against its OpenAPI
document and the world (property.md §7: maintenance for some children of single parents,
paid to the parent, monthly)."""

from __future__ import annotations

from tests.mocks.test_mocks_openapi import check_answer, post, problem_code, query_all
from tilts.mocks.harness import MockHandle
from tilts.mocks.world import ugfa as ugfa_world
from tilts.mocks.world.fact_types import age_on
from tilts.mocks.world.population import Population

pytest_plugins = ["tilts.mocks.pytest_plugin"]
MOCK_SERVER_OPTIONS = {"persons": 2000}
MONTHS = {"fromMonth": "2025-12", "toMonth": "2026-11"}


def _children_of_single_parents(local: Population) -> list[str]:
    out = []
    for h in range(local.household_count):
        hh = local.base_household(h)
        if hh.kind == "single_parent":
            start = local.household_slots(h).start
            out += [local.base_code(start + m.member) for m in hh.members if m.role == "CHILD"]
    return out


def test_children_of_single_parents_are_paid_monthly(mocks: MockHandle, local: Population) -> None:
    children = _children_of_single_parents(local)
    top, results = query_all(mocks, "ugfa", children, **MONTHS)
    assert top["dataCompleteThrough"] == "2026-10"
    paid = [x for x in results if x["payments"]]
    assert 0 < len(paid) < len(children)
    for x in paid:
        slot = local.resolve(x["personCode"])
        assert slot is not None
        head = local.household_slots(local.household_of(slot)).start
        months = [p["month"] for p in x["payments"]]
        assert months == sorted(set(months))  # one payment a month
        for p in x["payments"]:
            assert p["recipientPersonCode"] == local.base_code(head)  # the parent receives it
            assert p["paymentDate"][:7] == p["month"] <= "2026-11"
            assert p["amount"] in {"185.00", "195.00", "222.00", "234.00"}
        person = local.person(slot)
        assert person is not None and age_on(person.birth_date, local.today) < 19


def test_outcomes_match_the_world(mocks: MockHandle, local: Population) -> None:
    child = next(
        c
        for c in _children_of_single_parents(local)
        if ugfa_world.payments(local, c, *MONTHS.values())
    )
    adult = local.base_code(0)
    r = post(mocks, "ugfa", {"personCodes": [child, "bad", adult], **MONTHS})
    results = check_answer("ugfa", r)["results"]
    assert [x["status"] for x in results] == ["FOUND", "INVALID_CODE", "FOUND"]
    assert results[2]["payments"] == []
    expected = [
        (p.case_number, p.month, str(p.amount), p.payment_date.isoformat(), p.recipient_code)
        for p in ugfa_world.payments(local, child, *MONTHS.values())
    ]
    assert [tuple(p.values()) for p in results[0]["payments"]] == expected


def test_limits_and_invalid_bodies(mocks: MockHandle) -> None:
    codes = [f"{i:011d}" for i in range(501)]
    status, code, _ = problem_code("ugfa", post(mocks, "ugfa", {"personCodes": codes, **MONTHS}))
    assert (status, code) == (413, "BATCH_TOO_LARGE")
    body = {"personCodes": codes[:1], **MONTHS}
    status, code, got = problem_code("ugfa", post(mocks, "ugfa", {**body, "fromMonth": "2025-01"}))
    assert (status, code) == (400, "INVALID_REQUEST") and "at most 12 months" in got
    assert problem_code("ugfa", post(mocks, "ugfa", body, **{"X-Road-Issue": ""}))[:2] == (
        400,
        "MISSING_PURPOSE",
    )


def test_clock_adds_payment_months(mocks: MockHandle, local: Population) -> None:
    children = _children_of_single_parents(local)
    months = {"fromMonth": "2026-09", "toMonth": "2027-01"}
    _, before = query_all(mocks, "ugfa", children, **months)
    mocks.advance(35, change_rate=0.0)
    top, after = query_all(mocks, "ugfa", children, **months)
    assert top["dataCompleteThrough"] == "2026-11"
    got_before = {p["month"] for x in before for p in x["payments"]}
    got_after = {p["month"] for x in after for p in x["payments"]}
    assert "2026-12" not in got_before and "2026-12" in got_after
