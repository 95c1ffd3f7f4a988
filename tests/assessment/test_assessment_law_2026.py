"""The law as of 2026 (issue 16): hand-computed cases from the law's own figures.

Every expected figure is worked out in a comment from assessment.md §3 / §5 (thresholds, K)
and the case's inputs, never from the code. Thresholds used (first / other person):
GMI 2025: 166 / 116; GMI 2026: 187 / 131; poor 2023-07: 313 / 219; poor 2026: 425 / 298.
K (single pension age or disability / only such persons / the same with children / other):
2025-01-01: 2.1 / 1.7 / 1.7 / 1.3; 2026-01-01..04-30: 2.5 / 2 / 2 / 1.7; 2026-05-01: 2.1 / 1.7 /
1.7 / 1.3.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from tilts.assessment.calculator import assess, benefit_schedule
from tilts.assessment.model import (
    AssessmentResult,
    Case,
    NvaMeasure,
    NvaStatus,
    Person,
    PersonCategory,
    Status,
    Stipend,
)
from tilts.assessment.parsing import case_from_data
from tilts.assessment.periods import Month
from tilts.assessment.rules import (
    HouseholdType,
    HousingCoefficientRow,
    HousingNormRow,
    Rate,
    load_rules,
)
from tilts.kernel.errors import InputError

D = Decimal
OGRE = "0040000"
TUKUMS = "0051000"
PENSIONER = "1950-01-01"
WORKING = "1985-05-05"

MakePerson = Callable[..., Person]
MakeCase = Callable[..., Case]


def pension(months: list[str], amount: str) -> list[tuple[str, str, str]]:
    return [(m, "OLD_AGE_PENSION", amount) for m in months]


def salary(months: list[str], amount: str) -> list[tuple[str, str, str]]:
    return [(m, "SALARY", amount) for m in months]


def amounts(result: AssessmentResult, kind: str = "housing") -> dict[str, str]:
    benefit = result.housing_benefit if kind == "housing" else result.gmi_benefit
    assert benefit is not None
    return {str(e.month): str(e.amount) for e in benefit.schedule}


DEC_TO_FEB = ["2025-12", "2026-01", "2026-02"]
MAR_TO_MAY = ["2026-03", "2026-04", "2026-05"]


# --- the ministry's 2026 example: pensioner alone, income 500, housing 300 --------------------


def test_ministry_example_march_2026_runs_at_2_5_then_2_1(
    make_case: MakeCase, make_person: MakePerson
) -> None:
    person = make_person("a", PENSIONER, vsaa=pension(DEC_TO_FEB, "500.00"))
    result = assess(make_case([person], "2026-03-10", housing={"RENT": "300.00"}))
    # 500.00 > poor 425.00, <= Ogre 595.00: low-income; no GMI benefit.
    assert result.status is Status.LOW_INCOME and result.gmi_benefit is None
    housing = result.housing_benefit
    assert housing is not None
    # Nobody able to work: six months, March to August 2026.
    assert (housing.valid_from, housing.valid_to) == (dt.date(2026, 3, 1), dt.date(2026, 8, 31))
    # March-April: 187 × 2.5 + 300.00 − 500.00 = 467.50 − 200.00 = 267.50;
    # May-August: 187 × 2.1 + 300.00 − 500.00 = 392.70 − 200.00 = 192.70.
    assert amounts(result) == {
        "2026-03": "267.50",
        "2026-04": "267.50",
        "2026-05": "192.70",
        "2026-06": "192.70",
        "2026-07": "192.70",
        "2026-08": "192.70",
    }
    assert (housing.monthly_amount, housing.coefficient) == (D("267.50"), D("2.5"))
    assert housing.household_type == HouseholdType.SINGLE_PENSION_AGE_OR_DISABILITY
    # The reasons name the dated row and its source; the sums read as a worker writes them.
    assert any("187 × 2.1 + 300.00 − 500.00 = 192.70" in r for r in result.reasons)
    assert any("row of 2026-01-01" in r and "386728" in r for r in result.reasons)


def test_ministry_example_june_2026_gets_192_70(
    make_case: MakeCase, make_person: MakePerson
) -> None:
    person = make_person("a", PENSIONER, vsaa=pension(MAR_TO_MAY, "500.00"))
    result = assess(make_case([person], "2026-06-02", housing={"RENT": "300.00"}))
    assert result.housing_benefit is not None
    # 187 × 2.1 + 300.00 − 500.00 = 192.70
    assert result.housing_benefit.monthly_amount == D("192.70")
    assert result.housing_benefit.coefficient == D("2.1")


@pytest.mark.parametrize(
    ("day", "amount", "coefficient"),
    [("2026-04-30", "267.50", "2.5"), ("2026-05-01", "192.70", "2.1")],
)
def test_day_before_and_after_the_2026_05_01_row(
    day: str, amount: str, coefficient: str, make_case: MakeCase, make_person: MakePerson
) -> None:
    # Income months Jan-Mar (April application) or Feb-Apr (May application): 500.00 each.
    months = ["2026-01", "2026-02", "2026-03", "2026-04"]
    person = make_person("a", PENSIONER, vsaa=pension(months, "500.00"))
    result = assess(make_case([person], day, housing={"RENT": "300.00"}))
    assert result.average_monthly_income == D("500.00")
    assert result.housing_benefit is not None
    assert result.housing_benefit.monthly_amount == D(amount)
    assert result.housing_benefit.coefficient == D(coefficient)


def test_other_household_march_2026_with_coefficient_1_7(
    make_case: MakeCase, make_person: MakePerson
) -> None:
    # The case: 217.90 where the old K 1.5 gave 180.50. A single working-age person,
    # income 400.00, housing 300.00: 187 × 1.7 + 300.00 − 400.00 = 317.90 − 100.00 = 217.90
    # (old: 187 × 1.5 = 280.50 − 100.00 = 180.50). Able to work: three months, March-May;
    # May at K 1.3: 187 × 1.3 = 243.10 − 100.00 = 143.10.
    person = make_person("a", WORKING, vid=salary(DEC_TO_FEB, "400.00"))
    result = assess(make_case([person], "2026-03-10", housing={"RENT": "300.00"}))
    assert result.status is Status.POOR  # 400.00 <= 425.00
    assert amounts(result) == {"2026-03": "217.90", "2026-04": "217.90", "2026-05": "143.10"}
    assert result.housing_benefit is not None
    assert result.housing_benefit.household_type == HouseholdType.OTHER
    # GMI benefit: 187 − 400.00 < 0 in every month: none.
    assert result.gmi_benefit is None


def test_a_new_year_inside_the_period_changes_gmi_threshold_and_k(
    make_case: MakeCase, make_person: MakePerson
) -> None:
    # One working-age person without income applying on 2025-12-31, rent 100.00: three months.
    # December 2025: GMI 166.00 − 0 = 166.00; housing 166 × 1.3 + 100.00 = 215.80 + 100.00
    # = 315.80. January and February 2026: GMI 187.00; housing 187 × 1.7 + 100.00 = 417.90.
    result = assess(
        make_case([make_person("a", WORKING)], "2025-12-31", housing={"RENT": "100.00"})
    )
    assert amounts(result, "gmi") == {"2025-12": "166.00", "2026-01": "187.00", "2026-02": "187.00"}
    assert amounts(result) == {"2025-12": "315.80", "2026-01": "417.90", "2026-02": "417.90"}
    assert result.gmi_benefit is not None and result.gmi_benefit.monthly_amount == D("166.00")
    day_after = assess(
        make_case([make_person("a", WORKING)], "2026-01-01", housing={"RENT": "100.00"})
    )
    assert day_after.housing_benefit is not None
    assert day_after.housing_benefit.monthly_amount == D("417.90")


def test_benefit_schedule_recomputes_given_months(
    make_case: MakeCase, make_person: MakePerson
) -> None:
    person = make_person("a", PENSIONER, vsaa=pension(DEC_TO_FEB, "500.00"))
    case = make_case([person], "2026-03-10", housing={"RENT": "300.00"})
    schedule = benefit_schedule(case, [Month(2026, 4), Month(2026, 5)])
    assert schedule.gmi is None  # low-income: no GMI benefit
    assert schedule.housing is not None
    # April: 187 × 2.5 + 300 − 500 = 267.50; May: 187 × 2.1 + 300 − 500 = 192.70
    assert [(str(e.month), e.amount, e.coefficient) for e in schedule.housing] == [
        ("2026-04", D("267.50"), D("2.5")),
        ("2026-05", D("192.70"), D("2.1")),
    ]


# --- §5 housing benefit: whatever the status, none without housing costs --------------------


@pytest.mark.parametrize("housing", [None, {"RENT": "0.00"}])
def test_household_without_housing_costs_gets_none(
    housing: dict[str, str] | None, make_case: MakeCase, make_person: MakePerson
) -> None:
    result = assess(make_case([make_person("a", PENSIONER)], "2026-06-02", housing=housing))
    assert result.status is Status.POOR
    assert result.housing_benefit is None
    assert any("declares no housing expenses" in r for r in result.reasons)


def test_housing_benefit_needs_savings_within_the_limit(
    make_case: MakeCase, make_person: MakePerson
) -> None:
    # One cent over the limit 425.00: neither a status nor a housing benefit.
    person = make_person("a", PENSIONER)
    result = assess(make_case([person], "2026-06-02", savings="425.01", housing={"RENT": "1.00"}))
    assert result.status is Status.NONE and result.housing_benefit is None


# --- §3 savings limit -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "savings", "status"),
    [
        # Before 2023-07-01 the limit is 272.00 for the household.
        ("2023-06-30", "272.00", Status.POOR),
        ("2023-06-30", "300.00", Status.NONE),
        # From 2023-07-01 the household's poor threshold: one person 313.00.
        ("2023-07-01", "300.00", Status.POOR),
        ("2023-07-01", "313.00", Status.POOR),
        ("2023-07-01", "313.01", Status.NONE),
    ],
)
def test_savings_limit_before_and_after_2023_07_01(
    day: str, savings: str, status: Status, make_case: MakeCase, make_person: MakePerson
) -> None:
    # Tukuma novads has rows from 2021-07-01 (327 / 299) and 2023-07-01; no income: poor.
    case = make_case([make_person("a", WORKING)], day, municipality=TUKUMS, savings=savings)
    assert assess(case).status is status


@pytest.mark.parametrize(("savings", "status"), [("425.00", Status.POOR), ("425.01", Status.NONE)])
def test_savings_one_cent_over_the_2026_poor_threshold(
    savings: str, status: Status, make_case: MakeCase, make_person: MakePerson
) -> None:
    # The case: a single pensioner with income under the poor threshold (300.00 a
    # month <= 425.00) and savings up to 425.00 is poor; one cent over is refused.
    person = make_person("a", PENSIONER, vsaa=pension(MAR_TO_MAY, "300.00"))
    result = assess(make_case([person], "2026-06-02", savings=savings))
    assert result.status is status
    if status is Status.NONE:
        assert any("exceed the limit 425.00" in r for r in result.reasons)


def test_savings_limit_grows_with_the_household(
    make_case: MakeCase, make_adults: Callable[..., list[Person]]
) -> None:
    # Three persons in 2026: 425 + 298 × 2 = 1021.00.
    assert assess(make_case(make_adults(3), savings="1021.00")).status is Status.POOR
    assert assess(make_case(make_adults(3), savings="1021.01")).status is Status.NONE


# --- §6 pension age: the 2024 cohort ------------------------------------------------------------


def test_who_reached_64_y_9_m_in_november_2024_stays_pension_age_in_2025(
    make_case: MakeCase, make_person: MakePerson
) -> None:
    # Born 1960-02-15: 64 y 9 m on 2024-11-15, the age in force in 2024. In January 2025 the
    # age in force is 65 y, which they have not reached, but they had reached pension age.
    person = make_person("a", "1960-02-15")
    result = assess(make_case([person], "2025-01-10", housing={"RENT": "100.00"}))
    assert result.categories == {"a": PersonCategory.PENSION_AGE}
    # Not able to work: six months (January-June 2025), not three.
    assert (result.valid_from, result.valid_to) == (dt.date(2025, 1, 1), dt.date(2025, 6, 30))
    # A single person of pension age: K 2.1 (2025 row), 166 × 2.1 + 100.00 − 0 = 448.60
    # (as "other" it would be 166 × 1.3 + 100.00 = 315.80).
    assert result.housing_benefit is not None
    assert result.housing_benefit.coefficient == D("2.1")
    assert result.housing_benefit.monthly_amount == D("448.60")
    assert len(result.housing_benefit.schedule) == 6
    assert any("reached 64 years 9 months on 2024-11-15" in r for r in result.reasons)


def test_who_turns_64_y_9_m_in_2025_waits_for_65(
    make_case: MakeCase, make_person: MakePerson
) -> None:
    # Born 1960-05-15: 64 y 9 m only on 2025-02-15, when 65 y is in force: not of pension age in
    # January 2025; working age and able to work: three months, K "other" 1.3:
    # 166 × 1.3 + 100.00 = 315.80.
    person = make_person("a", "1960-05-15")
    result = assess(make_case([person], "2025-01-10", housing={"RENT": "100.00"}))
    assert result.categories == {"a": PersonCategory.WORKING_AGE_NOT_EMPLOYED}
    assert result.valid_to == dt.date(2025, 3, 31)
    assert result.housing_benefit is not None
    assert result.housing_benefit.monthly_amount == D("315.80")


# --- §2 income -------------------------------------------------------------------------------


def _with_measure(person: Person, kind: str, stipends: list[tuple[str, str]]) -> Person:
    measure = NvaMeasure(
        kind,
        dt.date(2026, 8, 1),
        dt.date(2026, 12, 31),
        True,
        tuple(Stipend(Month.parse(m), D(a)) for m, a in stipends),
    )
    return Person(person.id, person.birth_date, nva=NvaStatus("UNEMPLOYED", measure))


PAID = [("2026-08", "300.00"), ("2026-09", "300.00"), ("2026-10", "330.00"), ("2026-11", "99.00")]


@pytest.mark.parametrize(
    ("kind", "average"),
    [
        # (300 + 300 + 330) ÷ 3 = 310.00; November is not an income month.
        ("PAID_TEMPORARY_PUBLIC_WORKS", "310.00"),
        ("BUSINESS_START_UP", "310.00"),
        ("TRAINING", "0.00"),  # other measures' stipends are not counted
    ],
)
def test_nva_public_works_pay_is_counted(
    kind: str, average: str, make_case: MakeCase, make_person: MakePerson
) -> None:
    person = _with_measure(make_person("a", WORKING), kind, PAID)
    result = assess(make_case([person]))
    assert result.average_monthly_income == D(average)


def _json_case(declared: list[dict[str, str]], **member: object) -> dict[str, object]:
    return {
        "municipality": OGRE,
        "applicationDate": "2026-11-03",
        "savings": "0.00",
        "propertyConditionsMet": True,
        "cooperationAgreement": True,
        "declaredIncome": declared,
        "members": [{"id": "a", "birthDate": WORKING, **member}],
    }


def test_nva_stipends_from_the_case_json() -> None:
    measure = {
        "type": "PAID_TEMPORARY_PUBLIC_WORKS",
        "from": "2026-08-01",
        "stipendPaid": True,
        "stipends": [{"month": m, "amount": a} for m, a in PAID],
    }
    case = case_from_data(_json_case([], nva={"kind": "UNEMPLOYED", "activeMeasure": measure}))
    assert assess(case).average_monthly_income == D("310.00")


@pytest.mark.parametrize("form", ["twelveMonthTotal", "monthlyAmount"])
def test_irregular_income_either_form_gives_the_same_average(form: str) -> None:
    # 1200.00 received in the last 12 months: 1200.00 ÷ 12 = 100.00 a month, divided once.
    case = case_from_data(_json_case([{"memberId": "a", "type": "IRREGULAR", form: "1200.00"}]))
    assert assess(case).average_monthly_income == D("100.00")


@pytest.mark.parametrize(
    ("line", "field"),
    [
        (
            {"type": "IRREGULAR", "monthlyAmount": "1.00", "twelveMonthTotal": "1.00"},
            "declaredIncome[0]",
        ),
        ({"type": "IRREGULAR"}, "declaredIncome[0]"),
        ({"type": "ALIMONY", "twelveMonthTotal": "1.00"}, "declaredIncome[0].twelveMonthTotal"),
    ],
)
def test_irregular_income_form_errors(line: dict[str, str], field: str) -> None:
    with pytest.raises(InputError, match="^" + re.escape(field) + ": "):
        assess(case_from_data(_json_case([{"memberId": "a", **line}])))


@pytest.mark.parametrize(
    "kind",
    [
        "CHARITY",
        "ONE_OFF_EXEMPT",
        "ASSISTANT_BENEFIT",
        "TRANSPORT_COMPENSATION",
        "COELIAC_CHILD_BENEFIT",
        "STUDENT_LOAN",
        "PIT_REFUND",
    ],
)
def test_new_non_counted_types(kind: str, make_case: MakeCase, make_person: MakePerson) -> None:
    case = make_case([make_person("a", WORKING)], declared=[("a", kind, "250.00")])
    result = assess(case)
    assert result.average_monthly_income == D("0.00")
    assert result.member_income[0].excluded_total == D("750.00")  # 250.00 × 3 months


def test_scholarship_up_to_the_minimum_wage_is_not_counted(
    make_case: MakeCase, make_person: MakePerson
) -> None:
    # 2026 minimum wage 780.00: a scholarship of 800.00 counts 20.00 a month.
    case = make_case([make_person("a", "2005-01-01")], declared=[("a", "SCHOLARSHIP", "800.00")])
    assert assess(case).average_monthly_income == D("20.00")


# --- §3 the Tukums 2021 row --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "status"), [("2021-07-01", Status.LOW_INCOME), ("2021-12-31", Status.LOW_INCOME)]
)
def test_tukums_2021_row(
    day: str, status: Status, make_case: MakeCase, make_person: MakePerson
) -> None:
    # 300.00 a month > poor 272.00 and <= Tukums 327.00 (in force from 2021-07-01).
    months = [
        "2021-04",
        "2021-05",
        "2021-06",
        "2021-07",
        "2021-08",
        "2021-09",
        "2021-10",
        "2021-11",
    ]
    person = make_person("a", WORKING, vid=salary(months, "300.00"))
    result = assess(make_case([person], day, municipality=TUKUMS))
    assert result.status is status
    assert result.thresholds.low_income == D("327.00")


def test_tukums_before_2021_07_01_has_no_row(make_case: MakeCase, make_person: MakePerson) -> None:
    with pytest.raises(InputError, match=r"^applicationDate: "):
        assess(make_case([make_person("a", WORKING)], "2021-06-30", municipality=TUKUMS))


# --- a municipality's own K, national expense norms --------------------------------------------


@pytest.mark.parametrize(
    ("own", "march", "may"),
    [
        # Own K 2 for "other": March max(1.7, 2) = 2: 187 × 2 + 300 − 400 = 274.00; May
        # max(1.3, 2) = 2: 274.00.
        ("2", "274.00", "274.00"),
        # Own K 1.5: March 1.7 wins: 217.90; May 1.5 wins over 1.3: 280.50 + 300 − 400 = 180.50.
        ("1.5", "217.90", "180.50"),
    ],
)
def test_municipal_coefficient_the_larger_applies(
    own: str, march: str, may: str, make_case: MakeCase, make_person: MakePerson
) -> None:
    row = HousingCoefficientRow(
        dt.date(2026, 1, 1), {HouseholdType.OTHER: D(own)}, source="test", atvk=OGRE
    )
    rules = load_rules(extra_coefficient_rows=[row], origin="test")
    person = make_person("a", WORKING, vid=salary(DEC_TO_FEB, "400.00"))
    result = assess(make_case([person], "2026-03-10", housing={"RENT": "300.00"}), rules)
    got = amounts(result)
    assert (got["2026-03"], got["2026-05"]) == (march, may)


def test_national_norm_caps_an_expense_and_the_municipal_one_replaces_it(
    make_case: MakeCase, make_person: MakePerson
) -> None:
    norms = HousingNormRow(
        dt.date(2026, 1, 1), {"ELECTRICITY": Rate(D("30.00"), D("10.00"))}, source="MK 809 test"
    )
    rules = load_rules(housing_norm_rows=[norms], origin="test")
    members = [make_person("a", WORKING), make_person("b", WORKING)]
    case = make_case(members, "2026-06-02", housing={"ELECTRICITY": "70.00", "RENT": "100.00"})
    result = assess(case, rules)
    # Norm for two: 30 + 10 = 40.00; (187 + 131) × 1.3 + 100.00 + 40.00 = 413.40 + 140.00
    # = 553.40.
    assert {e.type: e.allowed for e in result.housing_expenses} == {
        "RENT": D("100.00"),
        "ELECTRICITY": D("40.00"),
    }
    assert result.housing_benefit is not None
    assert result.housing_benefit.monthly_amount == D("553.40")


# --- words -----------------------------------------------------------------------------------


def test_reasons_say_gmi_threshold_never_gmi_level(
    make_case: MakeCase, make_person: MakePerson
) -> None:
    result = assess(make_case([make_person("a", WORKING)], housing={"RENT": "10.00"}))
    assert not any("GMI level" in r for r in result.reasons)
    assert any("GMI threshold" in r for r in result.reasons)


def test_cli_explain_prints_the_sums_as_a_worker_writes_them(tmp_path: Path) -> None:
    months = ["2026-03", "2026-04", "2026-05"]
    case = {
        "municipality": OGRE,
        "applicationDate": "2026-06-02",
        "savings": "0.00",
        "propertyConditionsMet": True,
        "cooperationAgreement": True,
        "housingExpenses": {"RENT": "300.00"},
        "members": [
            {
                "id": "a",
                "birthDate": PENSIONER,
                "vsaa": [
                    {"month": m, "benefitType": "OLD_AGE_PENSION", "paidAmount": "500.00"}
                    for m in months
                ],
            }
        ],
    }
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    script = Path(sys.executable).with_name("tilts")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "tilts.shell.cli"]
    env = {k: v for k, v in os.environ.items() if k != "TILTS_CONFIG"}
    explained = subprocess.run(
        [*command, "assess", "--case", str(path), "--explain"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert explained.returncode == 0, explained.stderr
    # 187 × 2.1 + 300.00 − 500.00 = 192.70 in June (and every month to November).
    assert "Housing benefit 2026-06: 187 × 2.1 + 300.00 − 500.00 = 192.70" in explained.stdout
    assert "Average income: 1500.00 ÷ 3 = 500.00" in explained.stdout
    plain = subprocess.run(
        [*command, "assess", "--case", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    result = json.loads(plain.stdout)
    assert (
        "Housing benefit 2026-06: 187 × 2.1 + 300.00 − 500.00 = 192.70"
        in (result["explanation"]["computations"])
    )
    housing = result["housingBenefit"]
    assert (housing["validFrom"], housing["validTo"]) == ("2026-06-01", "2026-11-30")
    assert housing["schedule"][0] == {"month": "2026-06", "amount": "192.70", "coefficient": "2.1"}


@pytest.mark.parametrize(("in_education", "amount", "kind"), [
    # With children (a young person under 24 in education): K 1.7 in June 2026:
    # (187 + 131) × 1.7 + 300.00 − 500.00 = 540.60 − 200.00 = 340.60.
    (True, "340.60", HouseholdType.PENSION_AGE_OR_DISABILITY_WITH_CHILDREN),
    # Not in education: an able adult, so "other", K 1.3: 318 × 1.3 = 413.40 − 200.00 = 213.40.
    (False, "213.40", HouseholdType.OTHER),
])  # fmt: skip
def test_young_person_in_education_counts_as_a_child_for_k(
    in_education: bool,
    amount: str,
    kind: HouseholdType,
    make_case: MakeCase,
    make_person: MakePerson,
) -> None:
    pensioner = make_person("a", PENSIONER, vsaa=pension(MAR_TO_MAY, "500.00"))
    student = make_person("b", "2006-01-01", in_education=in_education)  # 20 in June 2026
    result = assess(make_case([pensioner, student], "2026-06-02", housing={"RENT": "300.00"}))
    assert result.housing_benefit is not None
    assert result.housing_benefit.household_type == kind
    assert result.housing_benefit.monthly_amount == D(amount)
