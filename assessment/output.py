"""The result as the JSON object of ``assessment.md`` §7.

The keys of §7, in its order: ``months``, ``averageMonthlyIncome``, ``thresholds`` (``gmi``,
``poor``, ``lowIncome``), ``status``, ``validFrom``, ``validTo``, ``gmiBenefit``
(``monthlyAmount``, ``months``) or ``null``, ``housingBenefit`` (``monthlyAmount``,
``coefficient``) or ``null``, ``categories`` (member id → category), ``reasons``.
Amounts are strings with two decimals; the coefficient is ``"1.5"``, ``"2"`` or ``"2.5"``.

One key is added, ``explanation`` (Tilts' extension, the per-member breakdown):

* ``householdSize``; ``countedIncomeTotal`` (the three months together);
* ``thresholdRows``: ``national`` and ``municipality``, the ``from`` dates of the rows applied;
* ``members``: one object per member, in case order: ``memberId``, ``counted`` and
  ``excluded`` (lists of ``{source, type, amount, reason}``, amounts over the three months,
  ``source`` one of ``VID``, ``VSAA``, ``DECLARED``), ``countedTotal``, ``excludedTotal``;
* ``housingExpenses``: ``{type, declared, allowed}`` per declared expense (``allowed`` after
  the municipal norm);
* ``childrenWithDisability``: ids of members counted there for SPOLIS (§6).
"""

from __future__ import annotations

from typing import Any

from assessment.model import AssessmentResult, IncomeLine, MemberIncome
from assessment.money import format_amount, format_factor


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


def result_to_json(result: AssessmentResult) -> dict[str, Any]:
    """The JSON-ready dict of ``result`` (``assessment.md`` §7 plus ``explanation``)."""
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
            {"monthlyAmount": format_amount(gmi.monthly_amount), "months": gmi.months}
            if gmi
            else None
        ),
        "housingBenefit": (
            {
                "monthlyAmount": format_amount(housing.monthly_amount),
                "coefficient": format_factor(housing.coefficient),
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
        },
    }
