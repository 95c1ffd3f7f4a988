"""The household assessment calculator (``assessment.md``): pure, no I/O, no database.

:func:`assess` takes a :class:`~assessment.model.Case` and the :class:`~assessment.rules.Rules`
and returns an :class:`~assessment.model.AssessmentResult` that explains itself: the months
used, each member's counted and excluded income, the thresholds applied and a reason for the
status and for each amount.

Rounding decision: money is :class:`~decimal.Decimal` throughout and is rounded only where
``assessment.md`` asks for an amount "to the cent", always ``ROUND_HALF_UP`` to two decimals:

* the household's average monthly income = (counted income of the three months) ÷ 3, rounded
  once; every comparison with a threshold uses this rounded average;
* the GMI benefit of a month = GMI threshold − rounded average (exact cents already);
* the housing benefit of a month = GMI threshold × K + allowed housing expenses − rounded
  average, rounded once (K × an amount in cents may have a third decimal).

Nothing else is rounded: per-member and per-type sums (including 1/12 of irregular income)
stay exact and are rounded only when written out for display.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from tilts.assessment.benefits import (
    coefficient_in,
    gmi_benefit,
    gmi_schedule,
    housing_benefit,
    housing_schedule,
    period,
)
from tilts.assessment.categories import (
    household_type,
    is_able_to_work,
    is_child_with_disability,
    pension_age_reached,
    person_category,
)
from tilts.assessment.income import further_income_reasons, household_income
from tilts.assessment.model import (
    AssessmentResult,
    BenefitSchedule,
    Case,
    HousingExpense,
    MemberIncome,
    Person,
    Status,
    Thresholds,
)
from tilts.assessment.money import ZERO, format_amount, to_cents
from tilts.assessment.periods import Month, add_months, months_before
from tilts.assessment.property_check import property_test
from tilts.assessment.property_model import PropertyResult, PropertyTest
from tilts.assessment.rules import Rules, default_rules
from tilts.assessment.validation import validate_case
from tilts.kernel.errors import InputError

#: assessment.md §1: the average over the last three full calendar months.
INCOME_MONTHS = 3


def income_months(application_date: dt.date) -> tuple[Month, ...]:
    """The three full calendar months before the application month, oldest first (§1)."""
    return months_before(application_date, INCOME_MONTHS)


def household_thresholds(
    rules: Rules, municipality: str, day: dt.date, members: int
) -> tuple[Thresholds, list[str]]:
    """The household's GMI threshold, poor and low-income thresholds in force on ``day`` (§3).

    The municipality's low-income threshold is kept between the poor threshold and the national
    ceiling in force on ``day`` (a stale municipal row can fall outside them after a new
    national row); any such adjustment is explained in the returned reasons.

    Raises:
        InputError: the municipality is unknown or no row is in force on ``day``.
    """
    national = rules.national_row_on(day)
    municipal = rules.municipality_row_on(municipality, day)
    if national is None or municipal is None:
        raise InputError(f"applicationDate: no threshold row is in force on {day}")
    name = rules.municipality_name(municipality)
    poor = national.poor.for_household(members)
    ceiling = national.low_income_ceiling.for_household(members)
    low_income = municipal.low_income.for_household(members)
    notes = []
    if low_income > ceiling:
        notes.append(
            f"The low-income threshold of {name} ({format_amount(low_income)}) is above the "
            f"national ceiling, so the ceiling {format_amount(ceiling)} applies (§3)."
        )
        low_income = ceiling
    elif low_income < poor:
        notes.append(
            f"The low-income threshold of {name} ({format_amount(low_income)}) is below the "
            f"poor threshold, so the poor threshold {format_amount(poor)} applies (§3)."
        )
        low_income = poor
    thresholds = Thresholds(
        gmi=national.gmi.for_household(members),
        poor=poor,
        low_income=low_income,
        national_row_from=national.in_force_from,
        municipality_row_from=municipal.in_force_from,
    )
    return thresholds, notes


def housing_coefficient(
    members: Sequence[Person],
    day: dt.date,
    rules: Rules | None = None,
    municipality: str = "",
) -> tuple[Decimal, str]:
    """The housing-benefit coefficient K for the household on ``day`` and why (§5).

    K comes from the dated ``[[housing_coefficients]]`` row in force on ``day`` for the
    household type (:func:`assessment.categories.household_type`); a municipality's own row
    wins where it is larger.
    """
    rules = rules or default_rules()
    kind = household_type(members, day, rules)
    k, _, _ = coefficient_in(rules, municipality, kind, Month.of(day))
    return k, kind.label


def savings_limit(case: Case, thresholds: Thresholds, rules: Rules) -> tuple[Decimal, str]:
    """The savings limit on the application date (§3) and how it was found.

    Raises:
        InputError: no savings-limit row is in force on the application date.
    """
    row = rules.savings_limit_row_on(case.application_date)
    if row is None:
        raise InputError(
            f"applicationDate: no savings limit is configured for {case.application_date}"
        )
    if row.amount is None:
        how = (
            f"the household's poor threshold {format_amount(thresholds.poor)} "
            f"(row from {row.in_force_from}: {row.source})"
        )
        return thresholds.poor, how
    return row.amount, f"row from {row.in_force_from}: {row.source}"


def _conditions(
    case: Case, thresholds: Thresholds, rules: Rules, test: PropertyTest | None
) -> tuple[list[str], str]:
    """Problems with the savings and property conditions of §3, and the limit explained.

    With the case's ``property`` facts the property test decides (``property.md`` §8:
    ``NOT_MET`` refuses, ``NEEDS_REVIEW`` keeps the status and flags the case), else the
    worker's ``propertyConditionsMet``.
    """
    limit, how = savings_limit(case, thresholds, rules)
    blockers = []
    if case.savings > limit:
        blockers.append(
            f"savings {format_amount(case.savings)} exceed the limit {format_amount(limit)} "
            f"({how}; §3)"
        )
    prop = "property conditions met"
    if test is None and not case.property_conditions_met:
        blockers.append("the property conditions of the law are not met (§3)")
    elif test is not None and test.result is PropertyResult.NOT_MET:
        blockers.append("the property test is NOT_MET (property.md §8)")
    elif test is not None:
        prop = f"property test {test.result}" + (
            " (the case is flagged for the social worker's review)"
            if test.result is PropertyResult.NEEDS_REVIEW
            else ""
        )
    met = (
        f"savings {format_amount(case.savings)} within the limit {format_amount(limit)} "
        f"({how}); {prop}"
    )
    return blockers, met


def _status(
    average: Decimal, thresholds: Thresholds, blockers: Sequence[str], met: str, name: str
) -> tuple[Status, list[str]]:
    """§4: poor at or below the poor threshold, else low-income at or below the municipal one,
    provided the savings limit and the property conditions (§3) hold."""
    avg, poor, low = (format_amount(v) for v in (average, thresholds.poor, thresholds.low_income))
    if average <= thresholds.poor:
        income_reason = f"average income {avg} is at or below the poor threshold {poor}"
        status = Status.POOR
    elif average <= thresholds.low_income:
        income_reason = (
            f"average income {avg} is above the poor threshold {poor} and at or below the "
            f"low-income threshold {low} of {name}"
        )
        status = Status.LOW_INCOME
    else:
        income_reason = f"average income {avg} is above the low-income threshold {low} of {name}"
        status = Status.NONE
    if blockers:
        return Status.NONE, [f"Status NONE: {'; '.join(blockers)}; {income_reason} (§4)."]
    tail = f"; {met}" if status is not Status.NONE else ""
    return status, [f"Status {status}: {income_reason}{tail} (§4)."]


def _housing_expenses(case: Case, rules: Rules) -> tuple[tuple[HousingExpense, ...], list[str]]:
    """Declared housing expenses, each capped by the municipality's own norm where it has one,
    else by the national norm (MK 809 annex 3) where one is configured (§5)."""
    day = case.application_date
    row = rules.municipality_row_on(case.municipality, day)
    national = rules.housing_norm_row_on(day)
    members = len(case.members)
    expenses, notes = [], []
    for kind in rules.housing_benefit.expense_types:
        if kind not in case.housing_expenses:
            continue
        declared = case.housing_expenses[kind]
        allowed = declared
        norm_rate, where = None, ""
        if row is not None and kind in row.housing_norms:
            norm_rate = row.housing_norms[kind]
            name = rules.municipality_name(case.municipality)
            source = row.source or "configuration"
            where = f"the norm of {name} (row from {row.in_force_from}: {source})"
        elif national is not None and kind in national.norms:
            norm_rate = national.norms[kind]
            where = f"the national norm (row from {national.in_force_from}: {national.source})"
        if norm_rate is not None:
            norm = norm_rate.for_household(members)
            if declared > norm:
                allowed = norm
                notes.append(
                    f"Housing expense {kind} {format_amount(declared)} is capped at "
                    f"{format_amount(norm)}, {where} (§5)."
                )
        expenses.append(HousingExpense(kind, declared, allowed))
    return tuple(expenses), notes


def _assessed(case: Case, rules: Rules) -> _Basis:
    """What every benefit rests on: income, thresholds, conditions and status (§1-4)."""
    validate_case(case, rules)
    day = case.application_date
    months = income_months(day)
    incomes = household_income(case, months, rules)
    total = sum((income.counted_total for income in incomes), ZERO)
    average = to_cents(total / len(months))
    thresholds, notes = household_thresholds(rules, case.municipality, day, len(case.members))
    test = (
        None
        if case.property is None
        else property_test(case.property, case.members, day, case.municipality, rules)
    )
    blockers, met = _conditions(case, thresholds, rules, test)
    name = rules.municipality_name(case.municipality)
    status, status_reasons = _status(average, thresholds, blockers, met, name)
    none_able = not any(is_able_to_work(person, day, rules) for person in case.members)
    return _Basis(
        months,
        incomes,
        total,
        average,
        thresholds,
        notes,
        blockers,
        status,
        status_reasons,
        none_able,
        test,
    )


class _Basis(NamedTuple):
    months: tuple[Month, ...]
    incomes: tuple[MemberIncome, ...]
    total: Decimal
    average: Decimal
    thresholds: Thresholds
    threshold_notes: list[str]
    blockers: list[str]
    status: Status
    status_reasons: list[str]
    none_able: bool
    property_test: PropertyTest | None


def benefit_schedule(
    case: Case, months: Sequence[Month], rules: Rules | None = None
) -> BenefitSchedule:
    """Recompute the benefits of ``case`` for the given ``months`` (a pure function).

    Entitlement, the average income, the allowed housing expenses and the household type are
    those of the application date (as in :func:`assess`); each month's amount uses the GMI
    threshold and K in force on that month's first day. Months with 0.00 are listed too. The
    store calls this to recompute granted months when a dated row is added or changed.

    Returns:
        ``gmi`` / ``housing``: one :class:`ScheduledMonth` per month in the order given, or
        ``None`` when the household is not entitled to that benefit at all.

    Raises:
        InputError: the case is invalid, or no row is in force in one of the months.
    """
    rules = rules or default_rules()
    basis = _assessed(case, rules)
    months = tuple(months)
    gmi = (
        gmi_schedule(case, basis.average, months, rules)
        if basis.status is Status.POOR and case.cooperation_agreement and months
        else None
    )
    housing = None
    expenses, _ = _housing_expenses(case, rules)
    if not basis.blockers and any(e.declared for e in expenses) and months:
        housing = housing_schedule(case, basis.average, expenses, months, rules)[1]
    return BenefitSchedule(gmi, housing)


def assess(case: Case, rules: Rules | None = None) -> AssessmentResult:
    """Assess one household case (``assessment.md`` §1-6).

    Args:
        case: the household: members with registry facts, declared income, savings,
            housing expenses, the application date and the municipality (ATVK).
        rules: the rules to apply; defaults to the packaged rules. Pass
            ``load_rules(extra_municipality_rows=...)`` for configured municipalities.

    Returns:
        The explained result. ``valid_from`` / ``valid_to`` are ``None`` for status ``NONE``;
        a benefit is ``None`` when the household is not entitled or every month's amount would
        be 0.00; a benefit's ``schedule`` has each month's amount (§5).

    Raises:
        InputError: the case is invalid for these rules; the message has one
            ``<field path>: <what is wrong>`` line per problem.
    """
    rules = rules or default_rules()
    basis = _assessed(case, rules)
    day = case.application_date
    members = case.members
    name = rules.municipality_name(case.municipality)
    months, thresholds, average, total = (
        basis.months,
        basis.thresholds,
        basis.average,
        basis.total,
    )
    national = rules.national_row_on(day)
    municipal = rules.municipality_row_on(case.municipality, day)
    reasons = [
        f"Income months {', '.join(str(m) for m in months)}: the three full calendar months "
        "before the application month (§1).",
        f"Average monthly income {format_amount(average)} = counted household income "
        f"{format_amount(total)} ÷ {len(months)}, rounded half up to the cent (§1, §2).",
        f"Thresholds in force on {day} for a household of {len(members)}: "
        f"GMI threshold {format_amount(thresholds.gmi)}, poor {format_amount(thresholds.poor)} "
        f"(national row from {thresholds.national_row_from}: "
        f"{national.source if national else ''}), low-income "
        f"{format_amount(thresholds.low_income)} ({name} row from "
        f"{thresholds.municipality_row_from}: {municipal.source if municipal else ''}) (§3).",
        *further_income_reasons(basis.incomes),
        *basis.threshold_notes,
        *(basis.property_test.reasons if basis.property_test else ()),
        *basis.status_reasons,
        *_pension_age_reasons(members, day, rules),
    ]
    why_months = (
        "no member is of working age and able to work"
        if basis.none_able
        else "at least one member is of working age and able to work"
    )
    valid_from = valid_to = None
    validity = (
        rules.status.validity_months_none_able_to_work
        if basis.none_able
        else rules.status.validity_months_otherwise
    )
    if basis.status is not Status.NONE:
        valid_from = Month.of(day).first_day
        valid_to = Month.of(day).shift(validity - 1).last_day
        reasons.append(
            f"Status valid from {valid_from} to {valid_to}: {validity} calendar months from the "
            f"first day of the application month because {why_months} (§4, modelled)."
        )
    gmi_months = (
        rules.gmi_benefit.months_none_able_to_work
        if basis.none_able
        else rules.gmi_benefit.months_otherwise
    )
    gmi, gmi_reasons = gmi_benefit(
        case, basis.status, average, period(day, gmi_months), why_months, rules
    )
    expenses, expense_notes = _housing_expenses(case, rules)
    housing, housing_reasons = housing_benefit(
        case, basis.blockers, average, expenses, period(day, validity), rules
    )
    reasons.extend([*gmi_reasons, *expense_notes, *housing_reasons])
    reasons.extend(_income_notes(members))

    return AssessmentResult(
        months=months,
        average_monthly_income=average,
        thresholds=thresholds,
        status=basis.status,
        valid_from=valid_from,
        valid_to=valid_to,
        gmi_benefit=gmi,
        housing_benefit=housing,
        categories={p.id: person_category(p, day, months[-1], rules) for p in members},
        children_with_disability=tuple(
            p.id for p in members if is_child_with_disability(p, day, rules)
        ),
        reasons=tuple(reasons),
        member_income=basis.incomes,
        housing_expenses=expenses,
        counted_income_total=total,
        property_test=basis.property_test,
        refusal_reason=_refusal(basis),
    )


def _refusal(basis: _Basis) -> str | None:
    """Why a household gets no status: the property test first (``property.md`` §8), then
    income; savings above the limit or the worker's ``propertyConditionsMet`` = false are
    ``PROPERTY_ABOVE_LIMIT`` too (the means conditions of §3)."""
    if basis.status is not Status.NONE:
        return None
    test = basis.property_test
    if test is not None and test.result is PropertyResult.NOT_MET:
        return "PROPERTY_ABOVE_LIMIT"
    if basis.average > basis.thresholds.low_income:
        return "INCOME_ABOVE_THRESHOLD"
    return "PROPERTY_ABOVE_LIMIT"


def _pension_age_reasons(members: Sequence[Person], day: dt.date, rules: Rules) -> list[str]:
    """Who has reached pension age, on which day and under which row (§6)."""
    reasons = []
    for person in members:
        reached = pension_age_reached(person.birth_date, rules)
        if reached is not None and reached[0] <= day:
            when, row = reached
            exact = when == add_months(person.birth_date, row.years * 12 + row.months)
            reasons.append(
                f"Member {person.id} is of pension age: reached {row} {'on' if exact else 'by'} "
                f"{when}, the age in force then (row from {row.in_force_from}: {row.source}; §6)."
            )
    return reasons


def _income_notes(members: Sequence[Person]) -> list[str]:
    notes = []
    for person in members:
        measure = person.nva.active_measure if person.nva else None
        if measure is not None and (measure.stipend_paid or measure.stipends):
            notes.append(
                f"Member {person.id}: NVA measure {measure.type}: its stipends are "
                "counted only for paid temporary public works and business start-up grants "
                "(§2; see the member's income lines)."
            )
    return notes
