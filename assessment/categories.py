"""Person categories for SPOLIS statistics and the "able to work" test (``assessment.md`` §6).

The SPOLIS reporting calls :func:`person_category` and :func:`is_child_with_disability` with
its own reference date (the decision date, or the month's last day); the calculator calls
them with the application date and the last of the three income months.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from tilts.assessment.model import Person, PersonCategory
from tilts.assessment.periods import Month, add_months, has_reached_age
from tilts.assessment.rules import HouseholdType, Rules, default_rules
from tilts.assessment.rules.tables import PensionAgeRow
from tilts.kernel.errors import InputError

#: The order in which categories are tried; each person falls into the first that fits.
CATEGORY_ORDER: tuple[PersonCategory, ...] = tuple(PersonCategory)


def is_child(person: Person, day: dt.date, rules: Rules | None = None) -> bool:
    """True when the person is under the adult age (18) on ``day``."""
    rules = rules or default_rules()
    return not has_reached_age(person.birth_date, rules.income.child_age, 0, day)


def is_child_in_month(person: Person, month: Month, rules: Rules) -> bool:
    """True when the person is a child for the income of ``month``.

    ``assessment.md`` §2 says "a child's (under 18) income"; Tilts reads "under 18 in that
    month" as under 18 on its first day, so the month of the 18th birthday is still exempt
    (unless the birthday is the 1st).
    """
    return is_child(person, month.first_day, rules)


def pension_age_reached(
    birth_date: dt.date, rules: Rules | None = None
) -> tuple[dt.date, PensionAgeRow] | None:
    """The day a person born on ``birth_date`` reached the state pension age, and the row.

    ``assessment.md`` §6 (SPSPL art. 1): a person has reached pension age on the first day on
    which they are at least the age in force **on that day**. The rows are tried in date order:
    in a row's period the person reaches its age on ``max(row start, birth + age)``, if that day
    is still inside the period. Someone who reached 64 y 9 m in November 2024 therefore stays of
    pension age in 2025, when the age in force is 65 y. The first row's period reaches back: a
    person already over its age when it starts reached pension age on its first day.

    Returns:
        ``(day, row)``, or ``None`` if the person reaches it in none of the rows' periods.
    """
    rules = rules or default_rules()
    rows = rules.pension_age
    for index, row in enumerate(rows):
        end = rows[index + 1].in_force_from if index + 1 < len(rows) else None
        day = max(row.in_force_from, add_months(birth_date, row.years * 12 + row.months))
        if end is None or day < end:
            return day, row
    return None


def is_pension_age(person: Person, day: dt.date, rules: Rules | None = None) -> bool:
    """True when the person has reached the state pension age by ``day`` (the "reached" rule
    of :func:`pension_age_reached`). The one implementation: categories, the housing
    coefficient's household type, the 3- or 6-month validity and SPOLIS all call it.

    Raises:
        InputError: no pension-age row is in force on ``day``.
    """
    rules = rules or default_rules()
    if rules.pension_age_on(day) is None:
        raise InputError(f"referenceDate: no state pension age is configured for {day}")
    reached = pension_age_reached(person.birth_date, rules)
    return reached is not None and reached[0] <= day


def has_disability(person: Person, day: dt.date) -> bool:
    """True when the person has a VDEĀVK decision valid on ``day``."""
    return person.disability is not None and person.disability.valid_on(day)


def household_type(
    members: Sequence[Person], day: dt.date, rules: Rules | None = None
) -> HouseholdType:
    """The household type of the housing coefficient K on ``day`` (``assessment.md`` §5).

    A single person of pension age or with a disability; a household of only such persons; the
    same with children (under 18, or under 24 while in education: ``Person.in_education``);
    every other household.
    """
    rules = rules or default_rules()
    education_age = rules.housing_benefit.education_child_age

    def special(person: Person) -> bool:
        return is_pension_age(person, day, rules) or has_disability(person, day)

    def child(person: Person) -> bool:
        return is_child(person, day, rules) or (
            person.in_education and not has_reached_age(person.birth_date, education_age, 0, day)
        )

    if len(members) == 1 and special(members[0]):
        return HouseholdType.SINGLE_PENSION_AGE_OR_DISABILITY
    children = [p for p in members if child(p)]
    adults = [p for p in members if not child(p)]
    if adults and all(special(p) for p in adults):
        return (
            HouseholdType.PENSION_AGE_OR_DISABILITY_WITH_CHILDREN
            if children
            else HouseholdType.ONLY_PENSION_AGE_OR_DISABILITY
        )
    return HouseholdType.OTHER


def is_able_to_work(person: Person, day: dt.date, rules: Rules | None = None) -> bool:
    """True when the person is of working age and able to work on ``day``.

    ``assessment.md`` §4 (modelled): a child, a person of pension age or an adult with a
    disability group is not; everyone else is.
    """
    rules = rules or default_rules()
    return not (
        is_child(person, day, rules)
        or is_pension_age(person, day, rules)
        or has_disability(person, day)
    )


def _has_income_in(person: Person, month: Month, types: frozenset[str], vid: bool) -> bool:
    if vid:
        return any(
            line.month == month and line.income_type in types and line.net_amount > Decimal(0)
            for line in person.vid
        )
    return any(
        line.month == month and line.benefit_type in types and line.paid_amount > Decimal(0)
        for line in person.vsaa
    )


def person_category(
    person: Person,
    reference_date: dt.date,
    income_month: Month | None = None,
    rules: Rules | None = None,
) -> PersonCategory:
    """The SPOLIS category of a person: the first of §6's list that fits.

    ``CHILD`` (under 18), ``PENSION_AGE``, ``ADULT_WITH_DISABILITY`` (a valid VDEĀVK decision),
    ``PUBLIC_WORKS`` (NVA measure ``PAID_TEMPORARY_PUBLIC_WORKS`` running on the reference
    date), ``PARENTAL_LEAVE`` (VSAA parental or childcare benefit paid for the income month),
    ``WORKING_AGE_EMPLOYED`` (VID salary or self-employment income for the income month, or an
    employment open on the reference date), else ``WORKING_AGE_NOT_EMPLOYED``.

    Args:
        person: the person with the registry facts known as of ``reference_date``.
        reference_date: the decision date, or the last day of the reported month.
        income_month: the month whose VSAA / VID records count; defaults to the month of
            ``reference_date``.
        rules: the rules to apply; defaults to the packaged rules.

    Returns:
        The category.

    Raises:
        InputError: no pension-age row is in force on ``reference_date``.
    """
    rules = rules or default_rules()
    month = income_month or Month.of(reference_date)
    facts = rules.categories
    if is_child(person, reference_date, rules):
        return PersonCategory.CHILD
    if is_pension_age(person, reference_date, rules):
        return PersonCategory.PENSION_AGE
    if has_disability(person, reference_date):
        return PersonCategory.ADULT_WITH_DISABILITY
    measure = person.nva.active_measure if person.nva else None
    if (
        measure is not None
        and measure.type in facts.public_works_measures
        and measure.active_on(reference_date)
    ):
        return PersonCategory.PUBLIC_WORKS
    if _has_income_in(person, month, facts.parental_leave_benefits, vid=False):
        return PersonCategory.PARENTAL_LEAVE
    if _has_income_in(person, month, facts.employment_income_types, vid=True) or any(
        employment.open_on(reference_date) for employment in person.employments
    ):
        return PersonCategory.WORKING_AGE_EMPLOYED
    return PersonCategory.WORKING_AGE_NOT_EMPLOYED


def is_child_with_disability(
    person: Person, reference_date: dt.date, rules: Rules | None = None
) -> bool:
    """True when the person is a child with a valid disability decision on ``reference_date``.

    Such children are ``CHILD`` in :func:`person_category` and also counted in SPOLIS'
    ``childrenWithDisability`` (``assessment.md`` §6).
    """
    return is_child(person, reference_date, rules) and has_disability(person, reference_date)
