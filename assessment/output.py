"""The result as the JSON object of ``assessment.md`` §7.

The keys of §7, in its order: ``months``, ``averageMonthlyIncome``, ``thresholds`` (``gmi``,
``poor``, ``lowIncome``), ``status``, ``validFrom``, ``validTo``, ``gmiBenefit``
(``monthlyAmount``, ``months``) or ``null``, ``housingBenefit`` (``monthlyAmount``,
``coefficient``) or ``null``, ``categories`` (member id → category), ``reasons``.
Amounts are strings with two decimals; a coefficient is written without trailing zeros
(``"1.7"``, ``"2"``, ``"2.5"``).

One key is added, ``explanation`` (Tilts' extension, the per-member breakdown):

* ``householdSize``; ``countedIncomeTotal`` (the three months together);
* ``thresholdRows``: ``national`` and ``municipality``, the ``from`` dates of the rows applied;
* ``members``: one object per member, in case order: ``memberId``, ``counted`` and
  ``excluded`` (lists of ``{source, type, amount, reason}``, amounts over the three months,
  ``source`` one of ``VID``, ``VSAA``, ``NVA``, ``DECLARED``), ``countedTotal``,
  ``excludedTotal``;
* ``housingExpenses``: ``{type, declared, allowed}`` per declared expense (``allowed`` after
  the municipal norm);
* ``childrenWithDisability``: ids of members counted there for SPOLIS (§6);
* ``computations``: the sums as a social worker writes them (:mod:`assessment.explain`).

With ``property`` in the case (``property.md`` §8) two keys follow ``categories``:
``propertyTest`` = ``{result, computedResult, override, items}`` (``override`` is ``null`` or
``{result, reason, decidedOn, applied}``; each item ``{memberId, source, item, rule, outcome,
reason}``) and ``refusalReason`` (``PROPERTY_ABOVE_LIMIT``, ``INCOME_ABOVE_THRESHOLD`` or
``null`` when there is a status). Without ``property`` neither key is written.

Benefits (§5): ``gmiBenefit`` = ``{monthlyAmount, months, validFrom, validTo, schedule}``,
``housingBenefit`` = ``{monthlyAmount, coefficient, householdType, validFrom, validTo,
schedule}``; ``monthlyAmount`` and ``coefficient`` are the first month's; ``schedule`` is one
``{month, amount}`` (GMI) or ``{month, amount, coefficient}`` (housing) per month of
``validFrom``..``validTo``, months of 0.00 included. ``householdType`` is one of
``single_pension_age_or_disability``, ``only_pension_age_or_disability``,
``pension_age_or_disability_with_children``, ``other``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from tilts.assessment.explain import computations
from tilts.assessment.model import AssessmentResult, IncomeLine, MemberIncome, ScheduledMonth
from tilts.assessment.money import ZERO, format_amount, format_factor
from tilts.assessment.property_model import PropertyTest


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def schedule_to_json(
    schedule: Sequence[ScheduledMonth], with_coefficient: bool
) -> list[dict[str, str]]:
    """A benefit's ``schedule``: ``{month, amount}`` per month, plus ``coefficient`` (housing)."""
    entries = []
    for entry in schedule:
        item = {"month": str(entry.month), "amount": format_amount(entry.amount)}
        if with_coefficient:
            item["coefficient"] = format_factor(entry.coefficient or ZERO)
        entries.append(item)
    return entries


def _line(line: IncomeLine) -> dict[str, str]:
    return {
        "source": line.source,
        "type": line.type,
        "amount": format_amount(line.amount),
        "reason": line.reason,
    }


def _member(income: MemberIncome) -> dict[str, Any]:
    return {
        "memberId": income.member_id,
        "counted": [_line(line) for line in income.counted],
        "excluded": [_line(line) for line in income.excluded],
        "countedTotal": format_amount(income.counted_total),
        "excludedTotal": format_amount(income.excluded_total),
    }


def property_test_to_json(test: PropertyTest) -> dict[str, Any]:
    """``propertyTest`` (``property.md`` §8): the result, what the rules gave, the override
    and one item per right, vehicle and enterprise role."""
    override = test.override
    return {
        "result": str(test.result),
        "computedResult": str(test.computed),
        "override": {
            "result": str(override.result),
            "reason": override.reason,
            "decidedOn": _date(override.decided_on),
            "applied": test.override_applied,
        }
        if override
        else None,
        "items": [
            {
                "memberId": i.member_id,
                "source": i.source,
                "item": i.item,
                "rule": i.rule,
                "outcome": str(i.outcome),
                "reason": i.reason,
            }
            for i in test.items
        ],
    }


def result_to_json(result: AssessmentResult) -> dict[str, Any]:
    """The JSON-ready dict of ``result`` (``assessment.md`` §7 plus ``explanation``)."""
    document = _result_to_json(result)
    if result.property_test is None:
        return document
    ordered: dict[str, Any] = {}
    for key, value in document.items():
        ordered[key] = value
        if key == "categories":
            ordered["propertyTest"] = property_test_to_json(result.property_test)
            ordered["refusalReason"] = result.refusal_reason
    return ordered


def _result_to_json(result: AssessmentResult) -> dict[str, Any]:
    gmi = result.gmi_benefit
    housing = result.housing_benefit
    return {
        "months": [str(month) for month in result.months],
        "averageMonthlyIncome": format_amount(result.average_monthly_income),
        "thresholds": {
            "gmi": format_amount(result.thresholds.gmi),
            "poor": format_amount(result.thresholds.poor),
            "lowIncome": format_amount(result.thresholds.low_income),
        },
        "status": str(result.status),
        "validFrom": result.valid_from.isoformat() if result.valid_from else None,
        "validTo": result.valid_to.isoformat() if result.valid_to else None,
        "gmiBenefit": (
            {
                "monthlyAmount": format_amount(gmi.monthly_amount),
                "months": gmi.months,
                "validFrom": _date(gmi.valid_from),
                "validTo": _date(gmi.valid_to),
                "schedule": schedule_to_json(gmi.schedule, with_coefficient=False),
            }
            if gmi
            else None
        ),
        "housingBenefit": (
            {
                "monthlyAmount": format_amount(housing.monthly_amount),
                "coefficient": format_factor(housing.coefficient),
                "householdType": housing.household_type,
                "validFrom": _date(housing.valid_from),
                "validTo": _date(housing.valid_to),
                "schedule": schedule_to_json(housing.schedule, with_coefficient=True),
            }
            if housing
            else None
        ),
        "categories": {member: str(category) for member, category in result.categories.items()},
        "reasons": list(result.reasons),
        "explanation": {
            "householdSize": len(result.member_income),
            "countedIncomeTotal": format_amount(result.counted_income_total),
            "thresholdRows": {
                "national": result.thresholds.national_row_from.isoformat(),
                "municipality": result.thresholds.municipality_row_from.isoformat(),
            },
            "members": [_member(income) for income in result.member_income],
            "housingExpenses": [
                {
                    "type": expense.type,
                    "declared": format_amount(expense.declared),
                    "allowed": format_amount(expense.allowed),
                }
                for expense in result.housing_expenses
            ],
            "childrenWithDisability": list(result.children_with_disability),
            "computations": computations(result),
        },
    }
