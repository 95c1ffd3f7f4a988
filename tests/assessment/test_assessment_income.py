"""What counts as income (assessment.md §1-2), type by type."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from tilts.assessment.calculator import assess
from tilts.assessment.model import AssessmentResult, Case, NvaMeasure, NvaStatus, Person
from tilts.assessment.rules import default_rules

D = Decimal
MONTHS = ["2026-08", "2026-09", "2026-10"]  # income months of a 2026-11-03 application
ADULT = "1985-05-05"
CHILD = "2010-05-05"  # 16 in 2026

MakePerson = Callable[..., Person]
MakeCase = Callable[..., Case]

# The table of assessment.md §2, written out here independently of the rules file.
VID_COUNTED = ["SALARY", "SELF_EMPLOYMENT", "ROYALTY", "RENTAL", "OTHER"]
VSAA_COUNTED = [
    "OLD_AGE_PENSION",
    "DISABILITY_PENSION",
    "SURVIVOR_PENSION",
    "SERVICE_PENSION",
    "UNEMPLOYMENT_BENEFIT",
    "SICKNESS_BENEFIT",
    "MATERNITY_BENEFIT",
    "PATERNITY_BENEFIT",
    "PARENTAL_BENEFIT",
    "CHILDCARE_BENEFIT",
    "STATE_SOCIAL_SECURITY_BENEFIT",
    "MAINTENANCE_GUARANTEE_FUND",
]
VSAA_EXCLUDED = [
    "FAMILY_STATE_BENEFIT",
    "DISABLED_CHILD_CARE_BENEFIT",
    "DISABILITY_CARE_BENEFIT",
    "BIRTH_BENEFIT",
    "FUNERAL_BENEFIT",
]


def every_month(kind: str, amount: str) -> list[tuple[str, str, str]]:
    return [(m, kind, amount) for m in MONTHS]


def lines(result: AssessmentResult, which: str) -> dict[tuple[str, str], Decimal]:
    """Amounts by (source, type) of the first member's counted or excluded lines."""
    member = result.member_income[0]
    found: dict[tuple[str, str], Decimal] = {}
    for line in member.counted if which == "counted" else member.excluded:
        key = (line.source, line.type)
        found[key] = found.get(key, D(0)) + line.amount
    return found


def test_the_rules_file_lists_every_registry_type_of_the_spec() -> None:
    income = default_rules().income
    assert income.vid_counted == frozenset(VID_COUNTED) and not income.vid_excluded
    assert income.vsaa_counted == frozenset(VSAA_COUNTED)
    assert income.vsaa_excluded == frozenset(VSAA_EXCLUDED)


@pytest.mark.parametrize("kind", VID_COUNTED)
def test_vid_income_of_an_adult_is_counted(
    kind: str, make_case: MakeCase, make_person: MakePerson
) -> None:
    result = assess(make_case([make_person("a", ADULT, vid=every_month(kind, "300.00"))]))
    assert result.average_monthly_income == D("300.00")
    assert lines(result, "counted") == {("VID", kind): D("900.00")}


@pytest.mark.parametrize(
    ("kind", "counted"),
    [(k, True) for k in VSAA_COUNTED] + [(k, False) for k in VSAA_EXCLUDED],
)
def test_vsaa_payment_counted_or_excluded(
    kind: str, counted: bool, make_case: MakeCase, make_person: MakePerson
) -> None:
    result = assess(make_case([make_person("a", ADULT, vsaa=every_month(kind, "200.00"))]))
    assert result.average_monthly_income == (D("200.00") if counted else D("0.00"))
    which = "counted" if counted else "excluded"
    assert lines(result, which) == {("VSAA", kind): D("600.00")}


@pytest.mark.parametrize(
    ("kind", "amount", "average", "excluded"),
    [
        ("ALIMONY", "50.00", "50.00", "0.00"),
        ("OTHER_REGULAR", "75.10", "75.10", "0.00"),
        ("IRREGULAR", "1200.00", "100.00", "0.00"),  # 12 months' total ÷ 12
        ("SCHOLARSHIP", "780.00", "0.00", "2340.00"),  # up to the 2026 minimum wage
        ("SCHOLARSHIP", "800.00", "20.00", "2340.00"),
        ("CHARITY", "500.00", "0.00", "1500.00"),
        ("ONE_OFF_EXEMPT", "90.00", "0.00", "270.00"),
    ],
)
def test_declared_income(
    kind: str,
    amount: str,
    average: str,
    excluded: str,
    make_case: MakeCase,
    make_person: MakePerson,
) -> None:
    case = make_case([make_person("a", ADULT)], declared=[("a", kind, amount)])
    result = assess(case)
    assert result.average_monthly_income == D(average)
    assert result.member_income[0].excluded_total == D(excluded)


def test_declared_income_counts_for_its_member_only(
    make_case: MakeCase, make_person: MakePerson
) -> None:
    members = [make_person("a", ADULT), make_person("b", ADULT)]
    result = assess(make_case(members, declared=[("b", "ALIMONY", "30.00")]))
    assert [m.counted_total for m in result.member_income] == [D(0), D("90.00")]


@pytest.mark.parametrize(
    ("salary", "counted_per_month"),
    [("500.00", "0.00"), ("780.00", "0.00"), ("780.01", "0.01"), ("900.00", "120.00")],
)
def test_child_work_income_exempt_up_to_the_minimum_wage(
    salary: str, counted_per_month: str, make_case: MakeCase, make_person: MakePerson
) -> None:
    child = make_person("c", CHILD, vid=every_month("SALARY", salary))
    result = assess(make_case([make_person("a", ADULT), child]))
    assert result.average_monthly_income == D(counted_per_month)
    member = result.member_income[1]
    assert member.counted_total == D(counted_per_month) * 3
    assert member.excluded_total == min(D(salary), D("780.00")) * 3


def test_child_exemption_applies_to_salary_and_self_employment_together(
    make_case: MakeCase, make_person: MakePerson
) -> None:
    vid = every_month("SALARY", "500.00") + every_month("SELF_EMPLOYMENT", "400.00")
    vid += every_month("ROYALTY", "10.00")  # not work income: always counted
    result = assess(make_case([make_person("c", CHILD, vid=vid)]))
    assert result.average_monthly_income == D("130.00")  # 900 - 780 + 10


def test_adult_work_income_is_not_exempt(make_case: MakeCase, make_person: MakePerson) -> None:
    adult = make_person("a", ADULT, vid=every_month("SALARY", "500.00"))
    assert assess(make_case([adult])).average_monthly_income == D("500.00")


def test_child_exemption_uses_each_months_minimum_wage(
    make_case: MakeCase, make_person: MakePerson
) -> None:
    # Income months 2025-11, 2025-12 (740.00) and 2026-01 (780.00).
    vid = [(m, "SALARY", "800.00") for m in ["2025-11", "2025-12", "2026-01"]]
    result = assess(make_case([make_person("c", CHILD, vid=vid)], "2026-02-10"))
    assert result.counted_income_total == D("140.00")  # 60 + 60 + 20
    assert result.average_monthly_income == D("46.67")


@pytest.mark.parametrize(
    ("birth", "counted_total"),
    [
        ("2008-09-15", "100.00"),  # 18 during September: exempt in Aug and Sep, counted in Oct
        ("2008-09-01", "200.00"),  # 18 on 1 September: counted in Sep and Oct
        ("2008-11-01", "0.00"),  # still 17 throughout
    ],
)
def test_child_exemption_ends_with_the_month_after_the_18th_birthday(
    birth: str, counted_total: str, make_case: MakeCase, make_person: MakePerson
) -> None:
    person = make_person("c", birth, vid=every_month("SALARY", "100.00"))
    assert assess(make_case([person])).counted_income_total == D(counted_total)


def test_records_outside_the_income_months_are_ignored(
    make_case: MakeCase, make_person: MakePerson
) -> None:
    vid = [("2026-07", "SALARY", "999.00"), ("2026-11", "SALARY", "999.00")]
    vid.append(("2026-09", "SALARY", "300.00"))
    result = assess(make_case([make_person("a", ADULT, vid=vid)]))
    assert result.months[0].first_day == dt.date(2026, 8, 1)
    assert result.average_monthly_income == D("100.00")


def test_several_employers_in_one_month_add_up(
    make_case: MakeCase, make_person: MakePerson
) -> None:
    vid = every_month("SALARY", "200.00") + every_month("SALARY", "150.00")
    result = assess(make_case([make_person("a", ADULT, vid=vid)]))
    assert result.average_monthly_income == D("350.00")


def test_nva_stipend_is_not_income(make_case: MakeCase, make_person: MakePerson) -> None:
    measure = NvaMeasure("TRAINING", dt.date(2026, 6, 1), None, stipend_paid=True)
    person = make_person("a", ADULT, nva=NvaStatus("UNEMPLOYED", measure))
    result = assess(make_case([person]))
    assert result.average_monthly_income == D("0.00")
    assert any(
        "its stipends are counted only for paid temporary public works" in r for r in result.reasons
    )


def test_income_months_are_the_three_full_months_before_the_application(
    make_case: MakeCase, make_person: MakePerson
) -> None:
    result = assess(make_case([make_person("a", ADULT)], "2026-01-31"))
    assert [str(m) for m in result.months] == ["2025-10", "2025-11", "2025-12"]
