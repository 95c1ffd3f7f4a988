"""GMI and housing benefit month by month (``assessment.md`` §5).

A benefit is granted for months; each month's amount uses the GMI threshold and the housing
coefficient K in force on that month's first day, so a March 2026 housing grant runs at K 2.5
in March–April and 2.1 from May. The household's facts (members, average income, allowed
housing expenses, the household type of K) are those of the application date: the decision
is taken on them, only the dated rows change from month to month.

Rounding: each month's amount is rounded once, half up to the cent (``calculator.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from tilts.assessment.categories import household_type
from tilts.assessment.model import (
    Case,
    GmiBenefit,
    HousingBenefit,
    HousingExpense,
    ScheduledMonth,
    Status,
)
from tilts.assessment.money import ZERO, format_amount, format_factor, to_cents
from tilts.assessment.periods import Month
from tilts.assessment.rules import HouseholdType, Rules
from tilts.kernel.errors import InputError


def format_threshold(value: Decimal) -> str:
    """A threshold as a worker writes it: ``187`` when whole, else ``212.50``."""
    return f"{int(value)}" if value == value.to_integral_value() else format_amount(value)


def _written(value: Decimal) -> str:
    """A result written out, with a true minus sign for a negative one."""
    text = format_amount(abs(value))
    return f"−{text}" if value < 0 else text


def grant_months(first: Month, count: int) -> tuple[Month, ...]:
    """``count`` calendar months from ``first``."""
    return tuple(first.shift(offset) for offset in range(count))


def gmi_threshold_in(rules: Rules, month: Month, members: int) -> tuple[Decimal, dt.date]:
    """The household's GMI threshold in force on the first day of ``month`` and its row's date.

    Raises:
        InputError: no national row is in force then.
    """
    row = rules.national_row_on(month.first_day)
    if row is None:
        raise InputError(f"applicationDate: no threshold row is in force in {month}")
    return row.gmi.for_household(members), row.in_force_from


def coefficient_in(
    rules: Rules, atvk: str, kind: HouseholdType, month: Month
) -> tuple[Decimal, dt.date, str]:
    """K for the household type in ``month``: the national row's, or the municipality's own
    row's where it is larger (``assessment.md`` §5). Returns ``(K, row from, source)``.

    Raises:
        InputError: no national coefficient row is in force then.
    """
    row = rules.housing_coefficient_row_on(month.first_day)
    if row is None:
        raise InputError(f"applicationDate: no housing coefficient row is in force in {month}")
    best = (row.coefficients[kind], row.in_force_from, row.source)
    own = rules.municipal_coefficient_row_on(atvk, month.first_day)
    if own is not None and own.coefficients.get(kind, ZERO) > best[0]:
        name = rules.municipality_name(atvk)
        best = (own.coefficients[kind], own.in_force_from, f"{name}: {own.source}")
    return best


def gmi_schedule(
    case: Case, average: Decimal, months: Sequence[Month], rules: Rules
) -> tuple[ScheduledMonth, ...]:
    """GMI benefit of each month: ``max(0, GMI threshold − average income)``."""
    schedule = []
    for month in months:
        gmi, row_from = gmi_threshold_in(rules, month, len(case.members))
        raw = gmi - average
        amount = to_cents(max(ZERO, raw))
        text = f"{format_threshold(gmi)} − {format_amount(average)} = {_written(raw)}"
        if raw < 0:
            text += " → 0.00"
        schedule.append(ScheduledMonth(month, amount, gmi, row_from, text))
    return tuple(schedule)


def housing_schedule(
    case: Case,
    average: Decimal,
    expenses: Sequence[HousingExpense],
    months: Sequence[Month],
    rules: Rules,
) -> tuple[HouseholdType, tuple[ScheduledMonth, ...]]:
    """Housing benefit of each month: ``max(0, GMI threshold × K + expenses − average)``."""
    kind = household_type(case.members, case.application_date, rules)
    total = sum((e.allowed for e in expenses), ZERO)
    schedule = []
    for month in months:
        gmi, row_from = gmi_threshold_in(rules, month, len(case.members))
        k, k_from, k_source = coefficient_in(rules, case.municipality, kind, month)
        raw = to_cents(gmi * k + total - average)
        amount = max(ZERO, raw)
        text = (
            f"{format_threshold(gmi)} × {format_factor(k)} + {format_amount(total)} − "
            f"{format_amount(average)} = {_written(raw)}"
        )
        if raw < 0:
            text += " → 0.00"
        schedule.append(ScheduledMonth(month, amount, gmi, row_from, text, k, k_from, k_source))
    return kind, tuple(schedule)


def period(day: dt.date, count: int) -> tuple[Month, ...]:
    """``count`` calendar months from the month of ``day``."""
    return grant_months(Month.of(day), count)


def gmi_benefit(
    case: Case,
    status: Status,
    average: Decimal,
    months: Sequence[Month],
    why_months: str,
    rules: Rules,
) -> tuple[GmiBenefit | None, list[str]]:
    """§5: poor households with a co-operation agreement get GMI threshold − average income."""
    if status is not Status.POOR:
        return None, ["No GMI benefit: only poor households are entitled (§5)."]
    if not case.cooperation_agreement:
        return None, ["No GMI benefit: the household has no co-operation agreement (§5)."]
    schedule = gmi_schedule(case, average, months, rules)
    if all(entry.amount == ZERO for entry in schedule):
        first = schedule[0]
        return None, [
            f"No GMI benefit: average income {format_amount(average)} is not below the GMI "
            f"threshold {format_amount(first.gmi_threshold)} in any month of the period (§5)."
        ]
    benefit = GmiBenefit(
        schedule[0].amount,
        len(months),
        months[0].first_day,
        months[-1].last_day,
        schedule,
    )
    reasons = [
        f"GMI benefit for {len(months)} months, {months[0]} to {months[-1]}, because "
        f"{why_months} (§5); each month = GMI threshold in force that month − average income."
    ]
    reasons += [
        f"GMI benefit {entry.month}: {entry.computation} (GMI threshold row from "
        f"{entry.threshold_row_from}; §3, §5)."
        for entry in schedule
    ]
    return benefit, reasons


def housing_benefit(
    case: Case,
    blockers: Sequence[str],
    average: Decimal,
    expenses: Sequence[HousingExpense],
    months: Sequence[Month],
    rules: Rules,
) -> tuple[HousingBenefit | None, list[str]]:
    """§5: GMI threshold × K + housing expenses − average income, for any household meeting
    the savings and property conditions whatever its status, if it declares housing costs."""
    if blockers:
        return None, [f"No housing benefit: {'; '.join(blockers)} (§5)."]
    total = sum((e.declared for e in expenses), ZERO)
    if total == ZERO:
        return None, ["No housing benefit: the household declares no housing expenses (§5)."]
    kind, schedule = housing_schedule(case, average, expenses, months, rules)
    head = (
        f"Housing benefit for {len(months)} months, {months[0]} to {months[-1]} "
        f"(the status validity rule, §4), for {kind.label} (§5); each month = GMI threshold × K "
        "+ housing expenses − average income, rounded half up to the cent."
    )
    lines = [
        f"Housing benefit {entry.month}: {entry.computation} "
        f"(K {format_factor(entry.coefficient or ZERO)} from the row of "
        f"{entry.coefficient_row_from}: {entry.coefficient_source}; "
        f"GMI threshold row from {entry.threshold_row_from}; §5)."
        for entry in schedule
    ]
    if all(entry.amount == ZERO for entry in schedule):
        return None, [
            "No housing benefit: the amount is not above 0.00 in any month (§5).",
            *lines,
        ]
    first = schedule[0]
    benefit = HousingBenefit(
        first.amount,
        first.coefficient or ZERO,
        months[0].first_day,
        months[-1].last_day,
        schedule,
        kind.value,
    )
    return benefit, [head, *lines]
