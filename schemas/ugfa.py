"""pandera model of UGFA maintenance payments (property.md §6), one row per payment.

The person asked about is the child the maintenance is paid for; ``recipientPersonCode`` is
the parent who receives it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandera.pandas as pa
from pandera.typing import Series

from tilts.schemas.common import CODE, DATE, MONTH, dates_in_range, money_ok, real_dates
from tilts.schemas.facts import Fact, Row, payload

#: a case number: ASCII letters, digits, "/" and "-", 1 to 30 characters (not a personal code)
CASE_NUMBER = r"^[A-Z0-9][A-Z0-9/-]{0,29}\Z"


class UgfaMaintenanceSchema(pa.DataFrameModel):
    """One maintenance payment for a FOUND child."""

    requestedCode: Series[str]
    caseNumber: Series[str] = pa.Field(str_matches=CASE_NUMBER)
    month: Series[str] = pa.Field(str_matches=MONTH)
    amount: Series[str]
    paymentDate: Series[str] = pa.Field(str_matches=DATE)
    recipientPersonCode: Series[str] = pa.Field(str_matches=CODE)

    class Config:
        strict = True

    @pa.check("amount", name="money_two_decimals")
    @classmethod
    def money(cls, series: Series[str]) -> Series[bool]:
        return money_ok(series)

    @pa.check("paymentDate", name="real_date")
    @classmethod
    def real_date(cls, series: Series[str]) -> Series[bool]:
        return real_dates(series)

    @pa.check("paymentDate", name="date_between_1900_and_a_year_ahead")
    @classmethod
    def date_not_far_ahead(cls, series: Series[str]) -> Series[bool]:
        return dates_in_range(series, "start")

    @pa.check("month", name="month_between_1900_and_a_year_ahead")
    @classmethod
    def month_not_far_ahead(cls, series: Series[str]) -> Series[bool]:
        return dates_in_range(series.map(lambda m: None if m is None else f"{m}-01"), "start")


def maintenance_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Frame rows of one child's answer."""
    return [{"requestedCode": result["personCode"], **p} for p in result.get("payments") or []]


def maintenance_facts(pid: int, rows: list[Row]) -> list[Fact]:
    """One MAINTENANCE fact per payment, of the child, in its ``month`` (property.md §6)."""
    seen: dict[str, int] = defaultdict(int)
    out = []
    for r in rows:
        base = f"{r['month']}:{r['caseNumber']}"
        seen[base] += 1
        out.append(Fact(pid, "MAINTENANCE", f"{base}:{seen[base]}", payload(r), period=r["month"]))
    return out
