"""LAD rural support and UGFA maintenance as income (assessment.md §2, property.md §5-6), with
hand-computed figures.

Application on 2026-11-03: income months 2026-08, 2026-09, 2026-10; LAD's 12 months are
2025-11 … 2026-10 (the 12 months before the application month).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.assessment.conftest import build_case, build_person
from tests.assessment.test_assessment_command import GOOD_CASE, _run, _write
from tilts.assessment.calculator import assess
from tilts.assessment.income import COUNTED_UGFA, ONCE_UGFA, SPREAD_LAD
from tilts.assessment.model import AssessmentResult, Maintenance, RuralPayment
from tilts.assessment.periods import Month

D = Decimal
ADULT, CHILD = "1985-05-05", "2015-03-03"


def lad(kind: str, year: int, amount: str, paid: str) -> RuralPayment:
    return RuralPayment(kind, year, D(amount), dt.date.fromisoformat(paid))


def ugfa(month: str, amount: str, paid: str | None = None) -> Maintenance:
    day = dt.date.fromisoformat(paid or f"{month}-18")
    return Maintenance(Month.parse(month), D(amount), day, "UGF-2024/00012")


def lines(result: AssessmentResult, member: int, which: str) -> list[tuple[str, str, D, str]]:
    income = result.member_income[member]
    chosen = income.counted if which == "counted" else income.excluded
    return [(x.source, x.type, x.amount, x.reason) for x in chosen]


def test_lad_of_the_last_12_months_counts_one_twelfth_a_month() -> None:
    # 1,200.00 received in 2025-11..2026-10 → 100.00 a month; 300.00 over the three months
    farmer = build_person(
        "a",
        ADULT,
        lad=(
            lad("BASIC_INCOME_SUPPORT", 2025, "840.00", "2025-12-14"),
            lad("BASIC_INCOME_SUPPORT", 2025, "360.00", "2026-05-10"),
        ),
    )
    result = assess(build_case([farmer]))
    assert result.average_monthly_income == D("100.00")
    assert lines(result, 0, "counted") == [("LAD", "BASIC_INCOME_SUPPORT", D("300"), SPREAD_LAD)]
    assert any(
        r.startswith("Member a: LAD BASIC_INCOME_SUPPORT 300.00 counted") and "property.md §5" in r
        for r in result.reasons
    )


def test_lad_window_edges_and_types() -> None:
    # counted: 2025-11-01 (first day of the 12 months) and 2026-10-31 (last day);
    # not counted: 2025-10-31 (13 months back) and 2026-11-02 (the application month)
    farmer = build_person(
        "a",
        ADULT,
        lad=(
            lad("ECO_SCHEME", 2025, "240.00", "2025-11-01"),
            lad("SMALL_FARMERS", 2026, "480.00", "2026-10-31"),
            lad("ECO_SCHEME", 2024, "9999.00", "2025-10-31"),
            lad("COUPLED_SUPPORT", 2026, "9999.00", "2026-11-02"),
        ),
    )
    result = assess(build_case([farmer]))
    # (240 + 480) / 12 = 60.00 a month
    assert result.average_monthly_income == D("60.00")
    assert {(s, t): a for s, t, a, _ in lines(result, 0, "counted")} == {
        ("LAD", "ECO_SCHEME"): D("60"),  # 240 × 3 / 12
        ("LAD", "SMALL_FARMERS"): D("120"),  # 480 × 3 / 12
    }


def test_ugfa_is_the_childs_income_in_the_month_paid() -> None:
    parent = build_person("p", ADULT)
    child = build_person("c", CHILD, ugfa=(ugfa("2026-08", "195.00"), ugfa("2026-10", "195.00")))
    result = assess(build_case([parent, child]))
    # 390.00 over three months → 130.00 a month for the household
    assert result.average_monthly_income == D("130.00")
    assert lines(result, 1, "counted") == [("UGFA", "MAINTENANCE", D("390.00"), COUNTED_UGFA)]
    assert lines(result, 0, "counted") == []


def test_a_month_vsaa_and_ugfa_both_report_is_counted_once() -> None:
    # 2026-09: VSAA MAINTENANCE_GUARANTEE_FUND 150.00 and UGFA 150.00 → 150.00 once (UGFA's);
    # 2026-08: VSAA alone (old data) → counted; 2026-10: UGFA alone → counted.
    child = build_person(
        "c",
        CHILD,
        vsaa=[
            ("2026-08", "MAINTENANCE_GUARANTEE_FUND", "150.00"),
            ("2026-09", "MAINTENANCE_GUARANTEE_FUND", "150.00"),
        ],
        ugfa=(ugfa("2026-09", "150.00"), ugfa("2026-10", "150.00")),
    )
    result = assess(build_case([build_person("p", ADULT), child]))
    assert result.average_monthly_income == D("150.00")  # 450.00 / 3
    counted = {(s, t): a for s, t, a, _ in lines(result, 1, "counted")}
    assert counted == {
        ("VSAA", "MAINTENANCE_GUARANTEE_FUND"): D("150.00"),
        ("UGFA", "MAINTENANCE"): D("300.00"),
    }
    assert lines(result, 1, "excluded") == [
        ("VSAA", "MAINTENANCE_GUARANTEE_FUND", D("150.00"), ONCE_UGFA)
    ]
    assert any("not counted" in r and "UGFA's figure" in r for r in result.reasons)


def test_ugfa_figure_wins_when_the_two_differ() -> None:
    child = build_person(
        "c",
        CHILD,
        vsaa=[("2026-09", "MAINTENANCE_GUARANTEE_FUND", "140.00")],
        ugfa=(ugfa("2026-09", "150.00"),),
    )
    result = assess(build_case([child]))
    assert result.average_monthly_income == D("50.00")  # 150.00 / 3


def test_lad_and_ugfa_change_the_status() -> None:
    # a single parent with one child in Ogre, 2026: poor threshold 425 + 298 = 723.00.
    # Salary 600.00 a month + UGFA 195.00 a month = 795.00 → above poor (LOW_INCOME);
    # without UGFA 600.00 → POOR.
    salary = [(m, "SALARY", "600.00") for m in ("2026-08", "2026-09", "2026-10")]
    parent = build_person("p", ADULT, vid=salary)
    paid = tuple(ugfa(m, "195.00") for m in ("2026-08", "2026-09", "2026-10"))
    with_fund = assess(build_case([parent, build_person("c", CHILD, ugfa=paid)]))
    without = assess(build_case([parent, build_person("c", CHILD)]))
    assert (with_fund.average_monthly_income, without.average_monthly_income) == (
        D("795.00"),
        D("600.00"),
    )
    assert str(without.status) == "POOR" and str(with_fund.status) == "LOW_INCOME"


# --- tilts assess: the case JSON's ``lad`` and ``ugfa`` lists (docs/decisions.md) -------------

LAD_ROW = {
    "paymentType": "BASIC_INCOME_SUPPORT",
    "campaignYear": 2025,
    "amount": "1200.00",
    "paymentDate": "2025-12-14",
}
UGFA_ROW = {
    "month": "2026-09",
    "amount": "150.00",
    "paymentDate": "2026-09-18",
    "caseNumber": "UGF-2024/00012",
    "recipientPersonCode": "32000000000",  # the registry's other fields are not read
}


def _case() -> dict[str, Any]:
    case = copy.deepcopy(GOOD_CASE)
    case["members"][0]["lad"] = [dict(LAD_ROW)]
    case["members"][1]["ugfa"] = [dict(UGFA_ROW)]
    case["members"][1]["vsaa"].append(
        {"month": "2026-09", "benefitType": "MAINTENANCE_GUARANTEE_FUND", "paidAmount": "150.00"}
    )
    return case


def test_assess_reads_lad_and_ugfa(tmp_path: Path) -> None:
    code, out, err = _run(_write(tmp_path, _case()))
    assert (code, err) == (0, "")
    result = json.loads(out)
    # GOOD_CASE's 970.00 + LAD 1,200.00 × 3 / 12 = 300.00 + UGFA 150.00 once = 1,420.00 / 3
    assert result["averageMonthlyIncome"] == "473.33"
    child = result["explanation"]["members"][1]
    assert {(x["source"], x["type"], x["amount"]) for x in child["counted"]} == {
        ("UGFA", "MAINTENANCE", "150.00")
    }
    assert ("VSAA", "MAINTENANCE_GUARANTEE_FUND", "150.00") in {
        (x["source"], x["type"], x["amount"]) for x in child["excluded"]
    }
    assert any("LAD BASIC_INCOME_SUPPORT 300.00" in r for r in result["reasons"])
    assert "32000000000" not in out


def _change(path: list[str | int], value: Any) -> dict[str, Any]:
    case = _case()
    target: Any = case
    for part in path[:-1]:
        target = target[part]
    if value is _DROP:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return case


_DROP = object()
BAD = [
    ("lad-year-as-string", ["members", 0, "lad", 0, "campaignYear"], "2025",
     "members[0].lad[0].campaignYear"),
    ("lad-year-bool", ["members", 0, "lad", 0, "campaignYear"], True,
     "members[0].lad[0].campaignYear"),
    ("lad-unknown-type", ["members", 0, "lad", 0, "paymentType"], "LOTTERY",
     "members[0].lad[0].paymentType"),
    ("lad-amount-number", ["members", 0, "lad", 0, "amount"], 1200.0,
     "members[0].lad[0].amount"),
    ("lad-no-date", ["members", 0, "lad", 0, "paymentDate"], _DROP,
     "members[0].lad[0].paymentDate"),
    ("lad-paid-before-campaign", ["members", 0, "lad", 0, "paymentDate"], "2024-12-14",
     "members[0].lad[0].paymentDate"),
    ("ugfa-bad-month", ["members", 1, "ugfa", 0, "month"], "2026-13",
     "members[1].ugfa[0].month"),
    ("ugfa-three-decimals", ["members", 1, "ugfa", 0, "amount"], "150.001",
     "members[1].ugfa[0].amount"),
    ("ugfa-no-case-number", ["members", 1, "ugfa", 0, "caseNumber"], _DROP,
     "members[1].ugfa[0].caseNumber"),
    ("ugfa-not-a-list", ["members", 1, "ugfa"], {"month": "2026-09"}, "members[1].ugfa"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "path", "value", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_lad_and_ugfa_input_is_exit_2_naming_the_field(
    name: str, path: list[str | int], value: Any, field: str, tmp_path: Path
) -> None:
    code, out, err = _run(_write(tmp_path, _change(path, value)))
    assert (code, out) == (2, ""), name
    assert any(line.startswith(f"error: {field}") or field in line for line in err.splitlines())
