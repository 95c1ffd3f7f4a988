"""The computation as a social worker writes it (``tilts assess --explain``, and the
``explanation.computations`` field of the result JSON).

One line per step, with the figures only: ``"Housing benefit 2026-06: 187 × 2.1 + 300.00 −
500.00 = 192.70"``. The ``reasons`` of the result say which rule, dated row and source each
figure comes from; these lines are the sums a worker checks by hand.
"""

from __future__ import annotations

from tilts.assessment.benefits import format_threshold
from tilts.assessment.model import AssessmentResult
from tilts.assessment.money import ZERO, format_amount


def computations(result: AssessmentResult) -> list[str]:
    """The result's sums, in the order a worker does them."""
    months = len(result.months)
    lines = [
        f"Average income: {format_amount(result.counted_income_total)} ÷ {months} = "
        f"{format_amount(result.average_monthly_income)}",
        f"GMI threshold of a household of {len(result.member_income)} on the application "
        f"date: {format_threshold(result.thresholds.gmi)}",
        f"Status {result.status}: average income {format_amount(result.average_monthly_income)}"
        f", poor threshold {format_amount(result.thresholds.poor)}, low-income threshold "
        f"{format_amount(result.thresholds.low_income)}",
    ]
    expenses = result.housing_expenses
    if expenses:
        parts = " + ".join(format_amount(e.allowed) for e in expenses)
        total = sum((e.allowed for e in expenses), ZERO)
        lines.append(f"Housing expenses: {parts} = {format_amount(total)}")
    if result.gmi_benefit is not None:
        lines += [f"GMI benefit {e.month}: {e.computation}" for e in result.gmi_benefit.schedule]
    else:
        lines.append("GMI benefit: none")
    if result.housing_benefit is not None:
        lines += [
            f"Housing benefit {e.month}: {e.computation}" for e in result.housing_benefit.schedule
        ]
    else:
        lines.append("Housing benefit: none")
    return lines


def render(result: AssessmentResult) -> str:
    """The plain-text explanation: the sums, then the reasons (rule, dated row, source), then
    the property test's items when the case had ``property`` (``property.md`` §8)."""
    text = "\n".join(computations(result))
    reasons = "\n".join(f"- {reason}" for reason in result.reasons)
    test = result.property_test
    if test is None:
        return f"{text}\n\nWhy:\n{reasons}\n"
    items = "\n".join(
        f"- member {i.member_id}, {i.source} {i.item}: {i.rule} {i.outcome}: {i.reason}"
        for i in test.items
    )
    return f"{text}\n\nWhy:\n{reasons}\n\nProperty test {test.result}:\n{items or '- none'}\n"
