"""Person categories for SPOLIS (assessment.md §6) and the pension age by year."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from tilts.assessment.calculator import assess
from tilts.assessment.categories import (
    CATEGORY_ORDER,
    is_able_to_work,
    is_child_with_disability,
    person_category,
)
from tilts.assessment.model import (
    Case,
    Disability,
    Employment,
    NvaMeasure,
    NvaStatus,
    Person,
    PersonCategory,
)
from tilts.assessment.periods import Month
from tilts.assessment.rules import default_rules
from tilts.kernel.errors import InputError

MakePerson = Callable[..., Person]
MakeCase = Callable[..., Case]

REF = dt.date(2026, 10, 31)
ADULT = "1985-05-05"
DISABLED = Disability("ADULT", dt.date(2020, 1, 1), "III")
PUBLIC_WORKS = NvaStatus(
    "UNEMPLOYED",
    NvaMeasure("PAID_TEMPORARY_PUBLIC_WORKS", dt.date(2026, 9, 1), dt.date(2026, 12, 31)),
)


def test_category_order_is_the_order_of_the_spec() -> None:
    assert [str(c) for c in CATEGORY_ORDER] == [
        "CHILD",
        "PENSION_AGE",
        "ADULT_WITH_DISABILITY",
        "PUBLIC_WORKS",
        "PARENTAL_LEAVE",
        "WORKING_AGE_EMPLOYED",
        "WORKING_AGE_NOT_EMPLOYED",
    ]


@pytest.mark.parametrize(
    ("birth", "facts", "expected"),
    [
        ("2010-01-01", {"disability": Disability("CHILD", dt.date(2020, 1, 1))}, "CHILD"),
        ("1950-01-01", {"disability": DISABLED, "nva": PUBLIC_WORKS}, "PENSION_AGE"),
        (ADULT, {"disability": DISABLED, "nva": PUBLIC_WORKS}, "ADULT_WITH_DISABILITY"),
        (
            ADULT,
            {"nva": PUBLIC_WORKS, "vsaa": [("2026-10", "PARENTAL_BENEFIT", "400.00")]},
            "PUBLIC_WORKS",
        ),
        (
            ADULT,
            {
                "vsaa": [("2026-10", "CHILDCARE_BENEFIT", "171.00")],
                "vid": [("2026-10", "SALARY", "900.00")],
            },
            "PARENTAL_LEAVE",
        ),
        (ADULT, {"vid": [("2026-10", "SELF_EMPLOYMENT", "300.00")]}, "WORKING_AGE_EMPLOYED"),
        (ADULT, {"employments": (Employment(dt.date(2026, 10, 20)),)}, "WORKING_AGE_EMPLOYED"),
        (ADULT, {"vid": [("2026-10", "ROYALTY", "300.00")]}, "WORKING_AGE_NOT_EMPLOYED"),
        (ADULT, {"vid": [("2026-09", "SALARY", "300.00")]}, "WORKING_AGE_NOT_EMPLOYED"),
        (
            ADULT,
            {"employments": (Employment(dt.date(2020, 1, 1), dt.date(2026, 10, 30)),)},
            "WORKING_AGE_NOT_EMPLOYED",
        ),
        (ADULT, {}, "WORKING_AGE_NOT_EMPLOYED"),
    ],
)
def test_first_category_that_fits(
    birth: str, facts: dict[str, object], expected: str, make_person: MakePerson
) -> None:
    person = make_person("a", birth, **facts)
    assert person_category(person, REF) == PersonCategory(expected)


def test_public_works_measure_must_run_on_the_reference_date(make_person: MakePerson) -> None:
    ended = NvaStatus(
        "UNEMPLOYED",
        NvaMeasure("PAID_TEMPORARY_PUBLIC_WORKS", dt.date(2026, 1, 1), dt.date(2026, 6, 30)),
    )
    person = make_person("a", ADULT, nva=ended)
    assert person_category(person, REF) is PersonCategory.WORKING_AGE_NOT_EMPLOYED


def test_income_month_can_differ_from_the_reference_month(make_person: MakePerson) -> None:
    person = make_person("a", ADULT, vid=[("2026-10", "SALARY", "900.00")])
    assert person_category(person, dt.date(2026, 11, 3), Month(2026, 10)) is (
        PersonCategory.WORKING_AGE_EMPLOYED
    )
    assert person_category(person, dt.date(2026, 11, 3)) is PersonCategory.WORKING_AGE_NOT_EMPLOYED


@pytest.mark.parametrize(
    ("birth", "day", "pension_age"),
    [
        ("1959-09-30", "2024-06-30", True),  # 64 y 9 m on the day
        ("1959-10-01", "2024-06-30", False),
        ("1960-03-15", "2025-03-15", True),  # 65 y from 2025
        # Reached 64 y 9 m on 2024-12-16, in 2024: stays of pension age (the "reached" rule).
        ("1960-03-16", "2025-03-15", True),
        # 64 y 9 m only on 2025-01-01, when 65 y is in force: reaches it on 2025-04-01.
        ("1960-04-01", "2025-03-31", False),
        ("1960-04-01", "2025-04-01", True),
        ("1960-02-29", "2025-02-28", True),  # 29 February: reached on 28 February
        ("1957-01-01", "2021-01-01", True),  # 64 y in 2021 (modelled schedule)
        # Reached 63 y 9 m (the 2020 age) on 2020-10-02: of pension age in 2021.
        ("1957-01-02", "2021-01-01", True),
        # 63 y 9 m only on 2021-01-02, when 64 y is in force: reaches it on 2021-04-02.
        ("1957-04-02", "2021-04-01", False),
        ("1957-04-02", "2021-04-02", True),
    ],
)
def test_pension_age_by_year(
    birth: str, day: str, pension_age: bool, make_person: MakePerson
) -> None:
    category = person_category(make_person("a", birth), dt.date.fromisoformat(day))
    assert (category is PersonCategory.PENSION_AGE) is pension_age


def test_pension_age_rows_follow_the_spec() -> None:
    rules = default_rules()
    for day, expected in [("2024-12-31", "64 years 9 months"), ("2025-01-01", "65 years 0 months")]:
        assert str(rules.pension_age_on(dt.date.fromisoformat(day))) == expected


def test_no_pension_age_row_is_an_error(make_person: MakePerson) -> None:
    with pytest.raises(InputError, match="referenceDate"):
        person_category(make_person("a", "1900-01-01"), dt.date(2010, 1, 1))


def test_child_with_disability(make_person: MakePerson) -> None:
    decision = Disability("CHILD", dt.date(2022, 1, 1), None, dt.date(2026, 12, 31))
    child = make_person("c", "2015-01-01", disability=decision)
    assert person_category(child, REF) is PersonCategory.CHILD
    assert is_child_with_disability(child, REF)
    assert not is_child_with_disability(child, dt.date(2027, 1, 1))
    assert not is_child_with_disability(make_person("a", ADULT, disability=DISABLED), REF)


def test_able_to_work(make_person: MakePerson) -> None:
    assert is_able_to_work(make_person("a", ADULT), REF)
    assert not is_able_to_work(make_person("a", ADULT, disability=DISABLED), REF)
    assert not is_able_to_work(make_person("a", "1950-01-01"), REF)
    assert not is_able_to_work(make_person("a", "2010-01-01"), REF)


def test_assessment_categories_read_the_last_income_month(
    make_case: MakeCase, make_person: MakePerson
) -> None:
    members = [
        make_person("worker", ADULT, vid=[("2026-10", "SALARY", "100.00")]),
        make_person("earlier", ADULT, vid=[("2026-08", "SALARY", "100.00")]),
        make_person("kid", "2015-01-01", disability=Disability("CHILD", dt.date(2020, 1, 1))),
    ]
    result = assess(make_case(members))
    assert {k: str(v) for k, v in result.categories.items()} == {
        "worker": "WORKING_AGE_EMPLOYED",
        "earlier": "WORKING_AGE_NOT_EMPLOYED",
        "kid": "CHILD",
    }
    assert result.children_with_disability == ("kid",)
