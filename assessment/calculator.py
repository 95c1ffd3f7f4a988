"""The household assessment calculator (``assessment.md``): pure, no I/O, no database.

:func:`assess` takes a :class:`~assessment.model.Case` and the :class:`~assessment.rules.Rules`
and returns an :class:`~assessment.model.AssessmentResult` that explains itself: the months
used, each member's counted and excluded income, the thresholds applied and a reason for the
status and for each amount.

Rounding decision: money is :class:`~decimal.Decimal` throughout and is rounded only where
``assessment.md`` asks for an amount "to the cent", always ``ROUND_HALF_UP`` to two decimals:

* the household's average monthly income = (counted income of the three months) ÷ 3, rounded
  once; every comparison with a threshold uses this rounded average;
* the GMI benefit = GMI level − rounded average (exact cents already);
* the housing benefit = GMI level × K + allowed housing expenses − rounded average, rounded
  once (K × an amount in cents may have a third decimal).

Nothing else is rounded: per-member and per-type sums (including 1/12 of irregular income)
stay exact and are rounded only when written out for display.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from assessment.categories import (
    has_disability,
    is_able_to_work,
    is_child,
    is_child_with_disability,
    is_pension_age,
    person_category,
)
from assessment.income import household_income
from assessment.model import (
    AssessmentResult,
    Case,
    GmiBenefit,
    HousingBenefit,
    HousingExpense,
    Person,
    Status,
    Thresholds,
)
from assessment.money import ZERO, format_amount, format_factor, to_cents
from assessment.periods import Month, months_before
from assessment.rules import Rules, default_rules
from assessment.validation import validate_case
from tilts.errors import InputError

#: assessment.md §1: the average over the last three full calendar months.
INCOME_MONTHS = 3


def income_months(application_date: dt.date) -> tuple[Month, ...]:
    """The three full calendar months before the application month, oldest first (§1)."""
    return months_before(application_date, INCOME_MONTHS)


def household_thresholds(
    rules: Rules, municipality: str, day: dt.date, members: int
) -> tuple[Thresholds, list[str]]:
    """The household's GMI level, poor and low-income thresholds in force on ``day`` (§3).

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
    members: Sequence[Person], day: dt.date, rules: Rules | None = None
) -> tuple[Decimal, str]:
    """The housing-benefit coefficient K for the household on ``day`` and why (§5).

    2.5 for a single person of pension age or with a disability; 2 for a household of only
    persons of pension age and/or with a disability, with or without children; 1.5 otherwise.
    """
    rules = rules or default_rules()
    coefficients = rules.housing_benefit

    def special(person: Person) -> bool:
        return is_pension_age(person, day, rules) or has_disability(person, day)

    if len(members) == 1 and special(members[0]):
        return (
            coefficients.coefficient_single_pension_age_or_disability,
            "a single person of pension age or with a disability",
        )
    if any(special(p) for p in members) and all(
        special(p) or is_child(p, day, rules) for p in members
    ):
        return (
            coefficients.coefficient_only_pension_age_or_disability,
            "a household of only persons of pension age or with a disability (and children)",
        )
    return coefficients.coefficient_other, "any other household"


def _status(
    case: Case, average: Decimal, thresholds: Thresholds, rules: Rules, name: str
) -> tuple[Status, list[str]]:
    """§4: poor at or below the poor threshold, else low-income at or below the municipal one,
    provided the savings limit and the property conditions (§3) hold."""
    limit = rules.status.savings_limit
    blockers = []
    if case.savings > limit:
        blockers.append(
            f"savings {format_amount(case.savings)} exceed the limit {format_amount(limit)} (§3)"
        )
    if not case.property_conditions_met:
        blockers.append("the property conditions of the law are not met (§3)")
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
    conditions = (
        f"savings {format_amount(case.savings)} within the limit {format_amount(limit)}; "
        "property conditions met"
        if status is not Status.NONE
        else ""
    )
    tail = f"; {conditions}" if conditions else ""
    return status, [f"Status {status}: {income_reason}{tail} (§4)."]


def _gmi_benefit(
    case: Case,
    status: Status,
    average: Decimal,
    thresholds: Thresholds,
    months: int,
    why_months: str,
) -> tuple[GmiBenefit | None, str]:
    """§5: poor households with a co-operation agreement get GMI level − average income."""
    if status is not Status.POOR:
        return None, "No GMI benefit: only poor households are entitled (§5)."
    if not case.cooperation_agreement:
        return None, "No GMI benefit: the household has no co-operation agreement (§5)."
    amount = to_cents(max(ZERO, thresholds.gmi - average))
    gmi, avg = format_amount(thresholds.gmi), format_amount(average)
    if amount == ZERO:
        return None, f"No GMI benefit: average income {avg} is not below the GMI level {gmi} (§5)."
    return GmiBenefit(amount, months), (
        f"GMI benefit {format_amount(amount)} a month = GMI level {gmi} − average income {avg}, "
        f"for {months} months because {why_months} (§5)."
    )


def _housing_expenses(case: Case, rules: Rules) -> tuple[tuple[HousingExpense, ...], list[str]]:
    """Declared housing expenses, each capped by the municipality's norm where one is set."""
    row = rules.municipality_row_on(case.municipality, case.application_date)
    norms = row.housing_norms if row is not None else {}
    members = len(case.members)
    expenses, notes = [], []
    for kind in rules.housing_benefit.expense_types:
        if kind not in case.housing_expenses:
            continue
        declared = case.housing_expenses[kind]
        allowed = declared
        if kind in norms:
            norm = norms[kind].for_household(members)
            if declared > norm:
                allowed = norm
                notes.append(
                    f"Housing expense {kind} {format_amount(declared)} is capped at the "
                    f"municipal norm {format_amount(norm)} (§5)."
                )
        expenses.append(HousingExpense(kind, declared, allowed))
    return tuple(expenses), notes


def _housing_benefit(
    case: Case,
    status: Status,
    average: Decimal,
    thresholds: Thresholds,
    expenses: Sequence[HousingExpense],
    rules: Rules,
) -> tuple[HousingBenefit | None, str]:
    """§5: GMI level × K + housing expenses − average income, for poor or low-income status."""
    if status is Status.NONE:
        return None, "No housing benefit: only poor or low-income households are entitled (§5)."
    coefficient, why = housing_coefficient(case.members, case.application_date, rules)
    total_expenses = sum((e.allowed for e in expenses), ZERO)
    amount = to_cents(max(ZERO, thresholds.gmi * coefficient + total_expenses - average))
    formula = (
        f"GMI level {format_amount(thresholds.gmi)} × K {format_factor(coefficient)} + housing "
        f"expenses {format_amount(total_expenses)} − average income {format_amount(average)}"
    )
    if amount == ZERO:
        return None, f"No housing benefit: {formula} is not above 0.00 (§5)."
    return HousingBenefit(amount, coefficient), (
        f"Housing benefit {format_amount(amount)} a month = {formula}, rounded half up to the "
        f"cent; K {format_factor(coefficient)} for {why} (§5)."
    )


def assess(case: Case, rules: Rules | None = None) -> AssessmentResult:
    """Assess one household case (``assessment.md`` §1-6).

    Args:
        case: the household: members with registry facts, declared income, savings,
            housing expenses, the application date and the municipality (ATVK).
        rules: the rules to apply; defaults to the packaged rules. Pass
            ``load_rules(extra_municipality_rows=...)`` for configured municipalities.

    Returns:
        The explained result. ``valid_from`` / ``valid_to`` are ``None`` for status ``NONE``;
        a benefit is ``None`` when the household is not entitled or the amount would be 0.00.

    Raises:
        InputError: the case is invalid for these rules; the message has one
            ``<field path>: <what is wrong>`` line per problem.
    """
    rules = rules or default_rules()
    validate_case(case, rules)
    day = case.application_date
    members = case.members
    name = rules.municipality_name(case.municipality)
    months = income_months(day)
    incomes = household_income(case, months, rules)
    total = sum((income.counted_total for income in incomes), ZERO)
    average = to_cents(total / len(months))
    thresholds, threshold_notes = household_thresholds(rules, case.municipality, day, len(members))

    reasons = [
        f"Income months {', '.join(str(m) for m in months)}: the three full calendar months "
        "before the application month (§1).",
        f"Average monthly income {format_amount(average)} = counted household income "
        f"{format_amount(total)} ÷ {len(months)}, rounded half up to the cent (§1, §2).",
        f"Thresholds in force on {day} for a household of {len(members)} (national row from "
        f"{thresholds.national_row_from}, {name} row from {thresholds.municipality_row_from}): "
        f"GMI level {format_amount(thresholds.gmi)}, poor {format_amount(thresholds.poor)}, "
        f"low-income {format_amount(thresholds.low_income)} (§3).",
        *threshold_notes,
    ]
    status, status_reasons = _status(case, average, thresholds, rules, name)
    reasons.extend(status_reasons)

    none_able = not any(is_able_to_work(person, day, rules) for person in members)
    why_months = (
        "no member is of working age and able to work"
        if none_able
        else "at least one member is of working age and able to work"
    )
    valid_from = valid_to = None
    if status is not Status.NONE:
        validity = (
            rules.status.validity_months_none_able_to_work
            if none_able
            else rules.status.validity_months_otherwise
        )
        valid_from = Month.of(day).first_day
        valid_to = Month.of(day).shift(validity - 1).last_day
        reasons.append(
            f"Status valid from {valid_from} to {valid_to}: {validity} calendar months from the "
            f"first day of the application month because {why_months} (§4, modelled)."
        )
    gmi_months = (
        rules.gmi_benefit.months_none_able_to_work
        if none_able
        else rules.gmi_benefit.months_otherwise
    )
    gmi, gmi_reason = _gmi_benefit(case, status, average, thresholds, gmi_months, why_months)
    expenses, expense_notes = _housing_expenses(case, rules)
    housing, housing_reason = _housing_benefit(case, status, average, thresholds, expenses, rules)
    reasons.extend([gmi_reason, *expense_notes, housing_reason])
    for person in members:
        measure = person.nva.active_measure if person.nva else None
        if measure is not None and measure.stipend_paid:
            reasons.append(
                f"Member {person.id}: the stipend of an NVA active labour-market measure is not "
                "counted as income (§2)."
            )

    return AssessmentResult(
        months=months,
        average_monthly_income=average,
        thresholds=thresholds,
        status=status,
        valid_from=valid_from,
        valid_to=valid_to,
        gmi_benefit=gmi,
        housing_benefit=housing,
        categories={p.id: person_category(p, day, months[-1], rules) for p in members},
        children_with_disability=tuple(
            p.id for p in members if is_child_with_disability(p, day, rules)
        ),
        reasons=tuple(reasons),
        member_income=incomes,
        housing_expenses=expenses,
        counted_income_total=total,
    )
