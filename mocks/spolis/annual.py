"""SPOLIS annual report rules (``spolis.md`` §4): pure functions over schema-valid JSON.

One row per benefit kind, one ``ALL`` row and the two status rows (``STATUS_POOR``,
``STATUS_LOW_INCOME``: households and persons holding the status on any day of the year, EUR
0.00), each with the households, the persons, the six person categories of ``assessment.md`` §6
(each person in the first that fits, so they add up to ``persons``), two "of which" counts
(``childrenWithDisability`` among the children, ``publicWorks`` among the working-age adults),
the adults by sex (``women + men + children = persons``), ``ukrainianCivilians``, EUR paid in
cash and in kind, and the averages per person-month and months per person. Issues are
:data:`mocks.spolis.rules.Issue` dicts, as for the other reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from tilts.mocks.spolis.rules import BENEFIT_KINDS, Issue, issue, money, value_issues

# §4: annual rows and fields.
STATUS_ROWS = ("STATUS_POOR", "STATUS_LOW_INCOME")
ANNUAL_ROWS = (*BENEFIT_KINDS, "ALL", *STATUS_ROWS)
WORKING_AGE_FIELDS = ("workingAgeEmployed", "workingAgeNotEmployed", "parentalLeave")
CATEGORY_FIELDS = (
    "children",
    *WORKING_AGE_FIELDS,
    "adultsWithDisability",
    "pensionAge",
)
COUNT_FIELDS = (
    "households", "persons", "childrenWithDisability", "publicWorks", *CATEGORY_FIELDS,
    "women", "men", "ukrainianCivilians",
)  # fmt: skip
MONEY_FIELDS = ("eurCash", "eurInKind")
AVERAGE_FIELDS = ("averageEurPerPersonMonth", "averageMonthsPerPerson")


def annual_issues(
    rows: Iterable[Mapping[str, Any]], year: int, today: dt.date
) -> tuple[list[Issue], list[Issue], dict[str, Mapping[str, Any]]]:
    """The §4 rejection rules except STALE_VERSION, the warnings, and the rows by kind."""
    out: list[Issue] = []
    by_kind: dict[str, Mapping[str, Any]] = {}
    for row in rows:
        kind = str(row["kind"])
        field = f"rows[{kind}]"
        if kind not in ANNUAL_ROWS:
            out.append(issue(field, "UNKNOWN_ROW", f"rows are {', '.join(ANNUAL_ROWS)}"))
            continue
        if kind in by_kind:
            out.append(issue(field, "DUPLICATE_ROW", "given more than once"))
            continue
        by_kind[kind] = row
        out.extend(_annual_row_issues(field, row))
    for kind in ANNUAL_ROWS:
        if kind not in by_kind:
            out.append(issue(f"rows[{kind}]", "MISSING_ROW", "is missing"))
    total = by_kind.get("ALL")
    if total is not None:
        for kind, row in by_kind.items():
            if kind in BENEFIT_KINDS and any(row[f] > total[f] for f in ("households", "persons")):
                out.append(issue("rows[ALL]", "ALL_BELOW_KIND", f"counts fewer than {kind}"))
    if year > today.year:
        out.append(issue("year", "YEAR_IN_FUTURE", f"is after this year ({today.year})"))
    warnings: list[Issue] = []
    if total is not None and len(by_kind) == len(ANNUAL_ROWS):
        for f in MONEY_FIELDS:
            kinds_sum = sum((Decimal(by_kind[k][f]) for k in BENEFIT_KINDS), Decimal("0"))
            if Decimal(total[f]) != kinds_sum:
                warnings.append(
                    issue(
                        f"rows[ALL].{f}",
                        "ALL_EUR_DIFFERS_FROM_KINDS",
                        f"the benefit rows add up to {money(str(kinds_sum))}",
                    )
                )
    return out, warnings, by_kind


def _annual_row_issues(field: str, row: Mapping[str, Any]) -> list[Issue]:
    out: list[Issue] = []
    for f in COUNT_FIELDS:
        if row[f] < 0:
            out.append(issue(f"{field}.{f}", "NEGATIVE_VALUE", "must not be negative"))
    for f in (*MONEY_FIELDS, *AVERAGE_FIELDS):
        out.extend(value_issues(f"{field}.{f}", "EUR", str(row[f])))
    if row["kind"] in STATUS_ROWS:
        for f in (*MONEY_FIELDS, *AVERAGE_FIELDS):
            if Decimal(str(row[f])) != 0:
                out.append(issue(f"{field}.{f}", "STATUS_ROW_WITH_EUR", "is 0.00 on a status row"))
    if row["persons"] < row["households"]:
        out.append(
            issue(f"{field}.persons", "PERSONS_FEWER_THAN_HOUSEHOLDS", "fewer than households")
        )
    categories = sum(int(row[f]) for f in CATEGORY_FIELDS)
    if categories != row["persons"]:
        out.append(
            issue(
                f"{field}.persons",
                "CATEGORIES_DO_NOT_ADD_UP",
                f"the six categories add up to {categories}",
            )
        )
    by_sex = int(row["women"]) + int(row["men"]) + int(row["children"])
    if by_sex != row["persons"]:
        out.append(
            issue(
                f"{field}.persons",
                "SEXES_DO_NOT_ADD_UP",
                f"women + men + children add up to {by_sex}",
            )
        )
    working_age = sum(int(row[f]) for f in WORKING_AGE_FIELDS)
    if row["publicWorks"] > working_age:
        out.append(
            issue(
                f"{field}.publicWorks",
                "PUBLIC_WORKS_ABOVE_WORKING_AGE",
                f"more than the {working_age} working-age adults",
            )
        )
    if row["ukrainianCivilians"] > row["persons"]:
        out.append(
            issue(
                f"{field}.ukrainianCivilians",
                "UKRAINIAN_CIVILIANS_ABOVE_PERSONS",
                "more than persons",
            )
        )
    if row["childrenWithDisability"] > row["children"]:
        out.append(
            issue(
                f"{field}.childrenWithDisability",
                "CHILDREN_WITH_DISABILITY_ABOVE_CHILDREN",
                "more than children",
            )
        )
    return out


def annual_payment_warnings(
    by_kind: Mapping[str, Mapping[str, Any]], paid: Mapping[tuple[str, str], Decimal]
) -> list[Issue]:
    """Each benefit row's eurCash / eurInKind against the payments of the year by form."""
    out: list[Issue] = []
    for kind in BENEFIT_KINDS:
        row = by_kind.get(kind)
        if row is None:
            continue
        for f, form in (("eurCash", "CASH"), ("eurInKind", "IN_KIND")):
            total = paid.get((kind, form), Decimal("0.00"))
            if Decimal(str(row[f])) != total:
                out.append(
                    issue(
                        f"rows[{kind}].{f}",
                        "EUR_DIFFERS_FROM_PAYMENTS",
                        f"the {form} payments submitted for the year add up to {money(str(total))}",
                    )
                )
    return out
