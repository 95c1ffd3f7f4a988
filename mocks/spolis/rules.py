"""SPOLIS validation rules (``spolis.md`` §1–§3; §4 is :mod:`mocks.spolis.annual`): pure
functions over already schema-valid JSON.

Every problem is an :data:`Issue` ``{"field", "code", "message"}``; messages never repeat a
submitted value (a personal code in particular), only field names, rule figures and sums.
The GMI threshold, status and benefit periods come from the assessment rules
(:func:`assessment.default_rules`), never from a copy here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tilts.assessment import Rules
from tilts.assessment.periods import Month, add_months
from tilts.kernel.personal_code import invalid_reason
from tilts.kernel.spolis_indicators import INDICATORS

Issue = dict[str, str]
RIGA = ZoneInfo("Europe/Riga")

STATUS_KINDS = ("STATUS_POOR", "STATUS_LOW_INCOME")
BENEFIT_KINDS = (
    "BENEFIT_GMI",
    "BENEFIT_HOUSING",
    "BENEFIT_HEALTH",
    "BENEFIT_EDUCATION",
    "BENEFIT_CRISIS",
    "BENEFIT_OTHER",
)
KINDS = (*STATUS_KINDS, *BENEFIT_KINDS)
AMOUNT_KINDS = ("BENEFIT_GMI", "BENEFIT_HOUSING")
# Longest validity of the benefits the assessment rules say nothing about (modelled).
OTHER_BENEFIT_MAX_MONTHS = 12

# Groups with both a households and a persons figure: persons may not be fewer.
PERSON_GROUPS = (
    "POOR_{}_NEW",
    "POOR_{}_END",
    "LOW_INCOME_{}_NEW",
    "LOW_INCOME_{}_END",
    "GMI_{}",
    "HOUSING_{}",
)
# The EUR indicator of each benefit kind (compared with the payments of the month).
EUR_OF_KIND = {
    "BENEFIT_GMI": "GMI_EUR",
    "BENEFIT_HOUSING": "HOUSING_EUR",
    "BENEFIT_HEALTH": "HEALTH_EUR",
    "BENEFIT_EDUCATION": "EDUCATION_EUR",
    "BENEFIT_CRISIS": "CRISIS_EUR",
    "BENEFIT_OTHER": "OTHER_EUR",
}
# END counts compared with the decision records: indicator → (status kind, what is counted).
END_COUNTS = {
    "POOR_HOUSEHOLDS_END": ("STATUS_POOR", "households"),
    "POOR_PERSONS_END": ("STATUS_POOR", "persons"),
    "LOW_INCOME_HOUSEHOLDS_END": ("STATUS_LOW_INCOME", "households"),
    "LOW_INCOME_PERSONS_END": ("STATUS_LOW_INCOME", "persons"),
}


def issue(field: str, code: str, message: str) -> Issue:
    return {"field": field, "code": code, "message": message}


def date_of(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(str(value))


def money(value: str) -> str:
    """A sum in the wire form (two decimals)."""
    return str(Decimal(value).quantize(Decimal("0.01")))


# ---------------------------------------------------------------------------- timing
def received_at(today: dt.date, time_of_day: dt.time | None) -> dt.datetime:
    """The receipt time: the mock clock's day at the wall clock's (or a fixed) Riga time."""
    clock = time_of_day or dt.datetime.now(RIGA).time().replace(microsecond=0)
    return dt.datetime.combine(today, clock, tzinfo=RIGA)


def is_late(received: dt.datetime, due_day: dt.date) -> bool:
    """After 23:59 Europe/Riga on ``due_day`` (the whole minute 23:59 is still on time)."""
    deadline = dt.datetime.combine(due_day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=RIGA)
    return received >= deadline


def monthly_due(month: Month) -> dt.date:
    """The 15th of the month after ``month``."""
    nxt = month.shift(1)
    return dt.date(nxt.year, nxt.month, 15)


def annual_due(year: int) -> dt.date:
    """15 February of the following year."""
    return dt.date(year + 1, 2, 15)


# ---------------------------------------------------------------------------- decisions
def max_validity_months(kind: str, rules: Rules) -> int:
    """Longest validity: statuses and housing as the status rules, GMI as the GMI rules."""
    if kind in (*STATUS_KINDS, "BENEFIT_HOUSING"):
        st = rules.status
        return max(st.validity_months_none_able_to_work, st.validity_months_otherwise)
    if kind == "BENEFIT_GMI":
        gmi = rules.gmi_benefit
        return max(gmi.months_none_able_to_work, gmi.months_otherwise)
    return OTHER_BENEFIT_MAX_MONTHS


def gmi_level(rules: Rules, day: dt.date, members: int) -> Decimal | None:
    """The GMI threshold of a household of ``members`` on ``day`` (``None`` before the table)."""
    row = rules.national_row_on(day)
    return None if row is None else row.gmi.for_household(members)


def decision_issues(rec: Mapping[str, Any], today: dt.date, rules: Rules) -> list[Issue]:
    """Every §1 validation code except the version ones (see :mod:`mocks.spolis.store`)."""
    out: list[Issue] = []
    reason = invalid_reason(str(rec["personCode"]))
    if reason is not None:
        out.append(issue("personCode", "INVALID_PERSON_CODE", f"the personal code {reason}"))
    kind, outcome = str(rec["kind"]), str(rec["outcome"])
    if kind not in KINDS:
        out.append(issue("kind", "UNKNOWN_KIND", f"kind must be one of {', '.join(KINDS)}"))
    request_date, decision_date = date_of(rec["requestDate"]), date_of(rec["decisionDate"])
    assert request_date is not None and decision_date is not None
    if decision_date > today:
        out.append(issue("decisionDate", "DECISION_IN_FUTURE", f"is after today ({today})"))
    if request_date > decision_date:
        out.append(issue("requestDate", "REQUEST_AFTER_DECISION", "is after the decision date"))
    out.extend(_validity_issues(rec, kind, outcome, rules))
    amount = rec.get("monthlyAmount")
    if kind in STATUS_KINDS and amount is not None:
        out.append(issue("monthlyAmount", "AMOUNT_NOT_ALLOWED", "a status decision has no amount"))
    if kind in AMOUNT_KINDS and outcome == "GRANTED" and amount is None:
        out.append(
            issue("monthlyAmount", "AMOUNT_REQUIRED", f"a granted {kind} needs a monthlyAmount")
        )
    if kind == "BENEFIT_GMI" and amount is not None:
        size = int(rec["householdSize"])
        level = gmi_level(rules, decision_date, size)
        if level is not None and Decimal(str(amount)) > level:
            out.append(
                issue(
                    "monthlyAmount",
                    "AMOUNT_ABOVE_RULES",
                    f"above the GMI threshold of a household of {size} on {decision_date}"
                    f" ({money(str(level))})",
                )
            )
    if outcome == "REFUSED" and not rec.get("refusalReason"):
        out.append(issue("refusalReason", "REFUSAL_REASON_REQUIRED", "a refusal needs its reason"))
    return out


def _validity_issues(rec: Mapping[str, Any], kind: str, outcome: str, rules: Rules) -> list[Issue]:
    start, end = date_of(rec.get("validFrom")), date_of(rec.get("validTo"))
    if outcome == "GRANTED" and (start is None or end is None):
        return [issue("validTo", "INVALID_VALIDITY", "a granted decision needs its validity")]
    if start is None or end is None:
        return []
    if end < start:
        return [issue("validTo", "INVALID_VALIDITY", "validTo is before validFrom")]
    months = max_validity_months(kind, rules)
    try:
        last = add_months(start, months) - dt.timedelta(days=1)
    except ValueError:  # the limit lies beyond the calendar's last day: any validTo is within
        last = dt.date.max
    if end > last:
        return [issue("validTo", "INVALID_VALIDITY", f"{kind} is valid at most {months} months")]
    return []


def valid_in(rec: Mapping[str, Any], first: dt.date, last: dt.date) -> bool:
    """A decision's validity overlaps ``first``..``last`` (no ``validTo`` = open)."""
    start, end = date_of(rec.get("validFrom")), date_of(rec.get("validTo"))
    return start is not None and start <= last and (end is None or end >= first)


# ---------------------------------------------------------------------------- payments
def payment_issues(
    rec: Mapping[str, Any], decision: Mapping[str, Any] | None, today: dt.date
) -> list[Issue]:
    """The checks of a payment against the municipality's stored decision."""
    out: list[Issue] = []
    month = Month.parse(str(rec["month"]))
    if month > Month.of(today):
        out.append(issue("month", "PAYMENT_IN_FUTURE", f"is after this month ({today:%Y-%m})"))
    if decision is None:
        out.append(issue("decisionRecordId", "UNKNOWN_DECISION", "no decision with this recordId"))
        return out
    if decision["kind"] not in BENEFIT_KINDS:
        out.append(issue("decisionRecordId", "NOT_A_BENEFIT", "a status is not paid"))
    elif decision["outcome"] != "GRANTED":
        out.append(issue("decisionRecordId", "DECISION_NOT_GRANTED", "the decision is not GRANTED"))
    elif not valid_in(decision, month.first_day, month.last_day):
        out.append(
            issue("month", "MONTH_OUTSIDE_VALIDITY", "the decision is not valid in that month")
        )
    return out


# ---------------------------------------------------------------------------- monthly
def _decimals(value: str) -> int:
    return len(value.partition(".")[2])


def value_issues(field: str, unit: str, value: str) -> list[Issue]:
    out: list[Issue] = []
    if Decimal(value) < 0:
        out.append(issue(field, "NEGATIVE_VALUE", "must not be negative"))
    if unit in ("persons", "households") and "." in value:
        out.append(issue(field, "NOT_WHOLE_NUMBER", f"{unit} are whole numbers"))
    if unit == "EUR" and _decimals(value) > 2:
        out.append(issue(field, "TOO_MANY_DECIMALS", "EUR has at most two decimals"))
    return out


def monthly_issues(
    indicators: Iterable[Mapping[str, Any]], month: Month, today: dt.date
) -> tuple[list[Issue], dict[str, Decimal]]:
    """The §3 rejection rules except STALE_VERSION; also the values by code."""
    out: list[Issue] = []
    values: dict[str, Decimal] = {}
    for ind in indicators:
        code, unit, value = str(ind["code"]), str(ind["unit"]), str(ind["value"])
        field = f"indicators[{code}]"
        if code not in INDICATORS:
            out.append(issue(field, "UNKNOWN_INDICATOR", "not an indicator of the report"))
            continue
        if code in values:
            out.append(issue(field, "DUPLICATE_INDICATOR", "given more than once"))
            continue
        values[code] = Decimal(value)
        if unit != INDICATORS[code]:
            out.append(issue(f"{field}.unit", "WRONG_UNIT", f"the unit is {INDICATORS[code]}"))
        out.extend(value_issues(f"{field}.value", INDICATORS[code], value))
    for code in INDICATORS:
        if code not in values:
            out.append(issue(f"indicators[{code}]", "MISSING_INDICATOR", "is missing"))
    for pattern in PERSON_GROUPS:
        hh, pp = pattern.format("HOUSEHOLDS"), pattern.format("PERSONS")
        if hh in values and pp in values and values[pp] < values[hh]:
            out.append(
                issue(f"indicators[{pp}]", "PERSONS_FEWER_THAN_HOUSEHOLDS", f"fewer than {hh}")
            )
    if month > Month.of(today):
        out.append(issue("month", "MONTH_IN_FUTURE", f"is after this month ({today:%Y-%m})"))
    return out, values


def monthly_warnings(
    values: Mapping[str, Decimal],
    paid: Mapping[str, Decimal],
    end_counts: Mapping[str, int],
) -> list[Issue]:
    """EUR figures against the payments, END counts against the decision records."""
    out: list[Issue] = []
    for kind, code in EUR_OF_KIND.items():
        total = paid.get(kind, Decimal("0.00"))
        if code in values and values[code] != total:
            out.append(
                issue(
                    f"indicators[{code}]",
                    "EUR_DIFFERS_FROM_PAYMENTS",
                    f"the payments submitted for the month add up to {money(str(total))}",
                )
            )
    for code, count in end_counts.items():
        if code in values and values[code] != count:
            out.append(
                issue(
                    f"indicators[{code}]",
                    "END_COUNT_DIFFERS_FROM_DECISIONS",
                    f"the decision records give {count}",
                )
            )
    return out
