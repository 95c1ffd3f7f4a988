"""Status, validity, GMI and housing benefit (assessment.md §3-5), including the worked examples."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from tilts.assessment.calculator import assess
from tilts.assessment.model import Case, Disability, Person, Status
from tilts.assessment.money import to_cents
from tilts.assessment.rules import MunicipalityThresholdRow, Rate, Rules, load_rules
from tilts.kernel.errors import InputError

OGRE = "0040000"
TUKUMS = "0051000"
TEST_ATVK = "0990000"
D = Decimal

MakePerson = Callable[..., Person]
MakeCase = Callable[..., Case]
MakeAdults = Callable[..., list[Person]]


def salary(months: list[str], amount: str) -> list[tuple[str, str, str]]:
    return [(m, "SALARY", amount) for m in months]


MARCH_TO_MAY_2021 = ["2021-03", "2021-04", "2021-05"]


# --- §5 worked examples ---------------------------------------------------------------------


def test_four_persons_without_income_2021_levels_get_337(
    make_case: MakeCase, make_adults: MakeAdults, test_rules: Rules
) -> None:
    case = make_case(make_adults(4), "2021-06-15", municipality=TEST_ATVK)
    result = assess(case, test_rules)
    assert result.status is Status.POOR
    assert result.thresholds.gmi == D("337.00")
    assert result.gmi_benefit is not None
    assert result.gmi_benefit.monthly_amount == D("337.00")


def test_same_household_with_300_income_gets_37(
    make_case: MakeCase,
    make_person: MakePerson,
    make_adults: MakeAdults,
    test_rules: Rules,
) -> None:
    earner = make_person("p0", "1985-05-05", vid=salary(MARCH_TO_MAY_2021, "300.00"))
    case = make_case([earner, *make_adults(4)[1:]], "2021-06-15", municipality=TEST_ATVK)
    result = assess(case, test_rules)
    assert result.average_monthly_income == D("300.00")
    assert result.gmi_benefit is not None
    assert result.gmi_benefit.monthly_amount == D("37.00")


def test_five_persons_with_700_get_no_gmi_benefit(
    make_case: MakeCase,
    make_person: MakePerson,
    make_adults: MakeAdults,
    test_rules: Rules,
) -> None:
    earner = make_person("p0", "1985-05-05", vid=salary(MARCH_TO_MAY_2021, "700.00"))
    case = make_case([earner, *make_adults(5)[1:]], "2021-06-15", municipality=TEST_ATVK)
    result = assess(case, test_rules)
    assert result.status is Status.POOR  # 700.00 <= 272 + 190 x 4 = 1032.00
    assert result.thresholds.gmi == D("413.00")
    assert result.gmi_benefit is None
    assert any("not below the GMI threshold 413.00" in r for r in result.reasons)


def test_two_persons_without_income_2024_levels_get_233(
    make_case: MakeCase, make_adults: MakeAdults
) -> None:
    result = assess(make_case(make_adults(2), "2024-06-10"))
    assert result.gmi_benefit is not None
    assert result.gmi_benefit.monthly_amount == D("233.00")
    assert result.gmi_benefit.months == 3


# --- §3 threshold rows in force on the application date -------------------------------------


@pytest.mark.parametrize(
    ("day", "gmi", "poor", "ceiling_first"),
    [
        ("2023-06-30", "109.00", "272.00", "436.00"),
        ("2023-07-01", "125.00", "313.00", "501.00"),
        ("2023-12-31", "125.00", "313.00", "501.00"),
        ("2024-01-01", "137.00", "343.00", "549.00"),
        ("2025-12-31", "166.00", "377.00", "604.00"),
        ("2026-01-01", "187.00", "425.00", "680.00"),
    ],
)
def test_national_row_in_force_on_the_application_date(
    day: str,
    gmi: str,
    poor: str,
    ceiling_first: str,
    make_case: MakeCase,
    make_adults: MakeAdults,
    test_rules: Rules,
) -> None:
    result = assess(make_case(make_adults(1), day, municipality=TEST_ATVK), test_rules)
    assert (result.thresholds.gmi, result.thresholds.poor) == (D(gmi), D(poor))
    row = test_rules.national_row_on(dt.date.fromisoformat(day))
    assert row is not None and row.low_income_ceiling.first == D(ceiling_first)


@pytest.mark.parametrize(
    ("municipality", "day", "low_income_two_persons"),
    [
        (OGRE, "2024-01-01", "816.00"),  # 480 + 336
        (OGRE, "2025-12-31", "898.00"),  # 528 + 370
        (OGRE, "2026-01-01", "1011.00"),  # 595 + 416
        (TUKUMS, "2023-07-01", "640.00"),  # 376 + 264
        (TUKUMS, "2024-12-31", "699.00"),  # 411 + 288
        (TUKUMS, "2025-01-01", "770.00"),  # 453 + 317 (modelled)
        (TUKUMS, "2026-01-01", "867.00"),  # 510 + 357 (modelled)
    ],
)
def test_municipality_row_in_force_on_the_application_date(
    municipality: str,
    day: str,
    low_income_two_persons: str,
    make_case: MakeCase,
    make_adults: MakeAdults,
) -> None:
    result = assess(make_case(make_adults(2), day, municipality=municipality))
    assert result.thresholds.low_income == D(low_income_two_persons)


@pytest.mark.parametrize(
    ("municipality", "day"), [(TUKUMS, "2021-06-30"), (OGRE, "2023-12-31"), (OGRE, "2020-12-31")]
)
def test_no_row_in_force_is_an_error_naming_the_date(
    municipality: str,
    day: str,
    make_case: MakeCase,
    make_adults: MakeAdults,
) -> None:
    with pytest.raises(InputError, match=r"^applicationDate: "):
        assess(make_case(make_adults(1), day, municipality=municipality))


def test_same_income_is_low_income_in_ogre_but_not_in_tukums(
    make_case: MakeCase, make_person: MakePerson
) -> None:
    months = ["2026-08", "2026-09", "2026-10"]
    person = make_person("a", "1985-05-05", vid=salary(months, "550.00"))
    ogre = assess(make_case([person], municipality=OGRE))
    tukums = assess(make_case([person], municipality=TUKUMS))
    assert (ogre.status, tukums.status) == (Status.LOW_INCOME, Status.NONE)


def test_operator_row_overrides_the_packaged_row(
    make_case: MakeCase, make_adults: MakeAdults
) -> None:
    row = MunicipalityThresholdRow(OGRE, dt.date(2026, 1, 1), Rate(D("600.00"), D("420.00")))
    result = assess(make_case(make_adults(1)), load_rules([row]))
    assert result.thresholds.low_income == D("600.00")


def test_stale_municipal_row_below_the_poor_threshold_is_raised_to_it(
    make_case: MakeCase, make_adults: MakeAdults
) -> None:
    row = MunicipalityThresholdRow("0990001", dt.date(2023, 7, 1), Rate(D("320.00"), D("220.00")))
    result = assess(
        make_case(make_adults(1), "2024-06-10", municipality="0990001"),
        load_rules([row]),
    )
    assert result.thresholds.low_income == result.thresholds.poor == D("343.00")
    assert any("below the poor threshold" in r for r in result.reasons)


# --- §4 status, savings, property, validity --------------------------------------------------


@pytest.mark.parametrize(
    ("savings", "expected"),
    # Since 2023-07-01 the limit is the household's poor threshold on the application date
    # (assessment.md §3): two persons on 2026-11-03: 425 + 298 = 723.00.
    [("0.00", Status.POOR), ("723.00", Status.POOR), ("723.01", Status.NONE)],
)
def test_savings_limit(
    savings: str,
    expected: Status,
    make_case: MakeCase,
    make_adults: MakeAdults,
) -> None:
    result = assess(make_case(make_adults(2), savings=savings))
    assert result.status is expected
    if expected is Status.NONE:
        assert any("exceed the limit 723.00" in r for r in result.reasons)
        assert result.valid_from is None and result.valid_to is None
        assert result.gmi_benefit is None and result.housing_benefit is None


def test_property_conditions_not_met_gives_no_status(
    make_case: MakeCase, make_adults: MakeAdults
) -> None:
    result = assess(make_case(make_adults(2), property_ok=False))
    assert result.status is Status.NONE
    assert any("property conditions" in r for r in result.reasons)


@pytest.mark.parametrize(
    ("income", "expected"),
    [("425.00", Status.POOR), ("425.01", Status.LOW_INCOME), ("595.00", Status.LOW_INCOME)]
    + [("595.01", Status.NONE)],
)
def test_status_at_the_threshold_edges(
    income: str, expected: Status, make_case: MakeCase, make_person: MakePerson
) -> None:
    person = make_person("a", "1985-05-05", vid=salary(["2026-08", "2026-09", "2026-10"], income))
    assert assess(make_case([person])).status is expected


@pytest.mark.parametrize(
    ("births", "disabled", "months", "valid_to"),
    [
        (["1985-05-05"], False, 3, "2027-01-31"),  # a working-age adult able to work
        (["1950-01-01"], False, 6, "2027-04-30"),  # pension age
        (["1950-01-01", "2015-01-01"], False, 6, "2027-04-30"),  # pensioner and child
        (["1985-05-05"], True, 6, "2027-04-30"),  # adult with a disability group
        (["1950-01-01", "1985-05-05"], False, 3, "2027-01-31"),  # one able to work
    ],
)
def test_validity_three_or_six_months(
    births: list[str],
    disabled: bool,
    months: int,
    valid_to: str,
    make_case: MakeCase,
    make_person: MakePerson,
) -> None:
    disability = Disability("ADULT", dt.date(2020, 1, 1), "II") if disabled else None
    members = [make_person(f"m{i}", b, disability=disability) for i, b in enumerate(births)]
    result = assess(make_case(members))
    assert result.valid_from == dt.date(2026, 11, 1)
    assert result.valid_to == dt.date.fromisoformat(valid_to)
    assert result.gmi_benefit is not None and result.gmi_benefit.months == months


def test_expired_disability_does_not_count(make_case: MakeCase, make_person: MakePerson) -> None:
    expired = Disability("ADULT", dt.date(2020, 1, 1), "II", dt.date(2026, 11, 2))
    result = assess(make_case([make_person("a", "1985-05-05", disability=expired)]))
    assert result.valid_to == dt.date(2027, 1, 31)


# --- §5 GMI benefit ----------------------------------------------------------------------------


def test_no_gmi_benefit_without_cooperation_agreement(
    make_case: MakeCase, make_adults: MakeAdults
) -> None:
    result = assess(make_case(make_adults(2), cooperation=False))
    assert result.status is Status.POOR and result.gmi_benefit is None
    assert any("co-operation agreement" in r for r in result.reasons)


def test_no_gmi_benefit_for_low_income_status(make_case: MakeCase, make_person: MakePerson) -> None:
    person = make_person("a", "1985-05-05", vid=salary(["2026-08", "2026-09", "2026-10"], "500.00"))
    result = assess(make_case([person]))
    assert result.status is Status.LOW_INCOME and result.gmi_benefit is None


# --- §5 housing benefit -----------------------------------------------------------------------

PENSIONER = "1950-01-01"
WORKING = "1985-05-05"
CHILD = "2015-01-01"


@pytest.mark.parametrize(
    ("births", "disabled_index", "coefficient"),
    # 2026-11-03: the standing figures from 2026-05-01 (assessment.md §5): 2.1 / 1.7 / 1.7 / 1.3.
    [
        ([PENSIONER], None, "2.1"),
        ([WORKING], 0, "2.1"),
        ([PENSIONER, PENSIONER], None, "1.7"),
        ([PENSIONER, CHILD], None, "1.7"),
        ([WORKING, CHILD], 0, "1.7"),
        ([PENSIONER, WORKING], 1, "1.7"),
        ([PENSIONER, WORKING], None, "1.3"),
        ([WORKING], None, "1.3"),
        ([WORKING, CHILD], None, "1.3"),
        ([CHILD, WORKING], 0, "1.3"),  # a child with a disability and an able adult
    ],
)
def test_housing_coefficient(
    births: list[str],
    disabled_index: int | None,
    coefficient: str,
    make_case: MakeCase,
    make_person: MakePerson,
) -> None:
    members = []
    for i, birth in enumerate(births):
        subject = "CHILD" if birth == CHILD else "ADULT"
        group = None if subject == "CHILD" else "II"
        disability = (
            Disability(subject, dt.date(2020, 1, 1), group) if i == disabled_index else None
        )
        members.append(make_person(f"m{i}", birth, disability=disability))
    result = assess(make_case(members, housing={"RENT": "100.00"}))
    assert result.housing_benefit is not None
    assert result.housing_benefit.coefficient == D(coefficient)
    gmi = result.thresholds.gmi
    assert result.housing_benefit.monthly_amount == to_cents(gmi * D(coefficient) + D("100.00"))


def test_housing_benefit_for_low_income_household(
    make_case: MakeCase, make_person: MakePerson
) -> None:
    person = make_person("a", WORKING, vid=salary(["2026-08", "2026-09", "2026-10"], "500.00"))
    result = assess(make_case([person], housing={"RENT": "250.00", "HEATING": "50.00"}))
    assert result.status is Status.LOW_INCOME
    assert result.housing_benefit is not None
    # 187.00 x 1.3 + 300.00 - 500.00 = 243.10 + 300.00 - 500.00 = 43.10
    assert result.housing_benefit.monthly_amount == D("43.10")


def test_housing_benefit_zero_is_null(make_case: MakeCase, make_person: MakePerson) -> None:
    person = make_person("a", WORKING, vid=salary(["2026-08", "2026-09", "2026-10"], "500.00"))
    result = assess(make_case([person]))
    assert result.status is Status.LOW_INCOME and result.housing_benefit is None
    assert any("No housing benefit" in r for r in result.reasons)


def test_housing_benefit_needs_no_status(make_case: MakeCase, make_person: MakePerson) -> None:
    # assessment.md §5: any household meeting the savings and property conditions, whatever
    # its status. 900.00 is above Ogre's 595.00, so status NONE; 187 x 1.3 + 900.00 - 900.00
    # = 243.10.
    person = make_person("a", WORKING, vid=salary(["2026-08", "2026-09", "2026-10"], "900.00"))
    result = assess(make_case([person], housing={"RENT": "900.00"}))
    assert result.status is Status.NONE
    assert result.housing_benefit is not None
    assert result.housing_benefit.monthly_amount == D("243.10")


def test_municipal_norm_caps_an_expense(make_case: MakeCase, make_adults: MakeAdults) -> None:
    row = MunicipalityThresholdRow(
        OGRE,
        dt.date(2026, 1, 1),
        Rate(D("595.00"), D("416.00")),
        housing_norms={"HEATING": Rate(D("60.00"), D("20.00"))},
    )
    case = make_case(make_adults(2), housing={"HEATING": "150.00", "RENT": "100.00"})
    result = assess(case, load_rules([row]))
    allowed = {e.type: e.allowed for e in result.housing_expenses}
    assert allowed == {"RENT": D("100.00"), "HEATING": D("80.00")}
    assert result.housing_benefit is not None
    # (187 + 131) x 1.3 + 180.00 - 0 = 413.40 + 180.00 = 593.40
    assert result.housing_benefit.monthly_amount == D("593.40")
    assert any("capped at 80.00, the norm of Ogres novads" in r for r in result.reasons)


# --- rounding -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amounts", "average"),
    [
        (["100.00", "100.00", "100.01"], "100.00"),  # 100.00333...
        (["100.00", "100.01", "100.01"], "100.01"),  # 100.00666...
        (["0.01", "0.00", "0.00"], "0.00"),
        (["0.01", "0.01", "0.00"], "0.01"),
    ],
)
def test_average_is_rounded_to_the_cent(
    amounts: list[str], average: str, make_case: MakeCase, make_person: MakePerson
) -> None:
    vid = [
        (m, "SALARY", a) for m, a in zip(["2026-08", "2026-09", "2026-10"], amounts, strict=True)
    ]
    result = assess(make_case([make_person("a", WORKING, vid=vid)]))
    assert result.average_monthly_income == D(average)


def test_average_rounds_half_up(make_case: MakeCase, make_person: MakePerson) -> None:
    # 120.06 of irregular income: 120.06 x 3 / 12 = 30.015 over the three months, ÷ 3 = 10.005.
    case = make_case([make_person("a", WORKING)], declared=[("a", "IRREGULAR", "120.06")])
    result = assess(case)
    assert result.counted_income_total == D("30.015")
    assert result.average_monthly_income == D("10.01")  # half-even would give 10.00


def test_gmi_amount_uses_the_rounded_average(make_case: MakeCase, make_person: MakePerson) -> None:
    vid = [("2026-08", "SALARY", "100.00"), ("2026-09", "SALARY", "100.00")]
    vid.append(("2026-10", "SALARY", "100.01"))
    result = assess(make_case([make_person("a", WORKING, vid=vid)]))
    assert result.gmi_benefit is not None
    assert result.gmi_benefit.monthly_amount == D("87.00")  # 187.00 - 100.00
