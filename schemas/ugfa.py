"""pandera model of UGFA maintenance payments (property.md §6), one row per payment.

The person asked about is the child the maintenance is paid for; ``recipientPersonCode`` is
the parent who receives it.
"""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

from tilts.schemas.common import CODE, MONTH, PaymentModel, dates_in_range, money_check
from tilts.schemas.facts import Fact, Row, numbered_facts

#: a case number: ASCII letters, digits, "/" and "-", 1 to 30 characters (not a personal code)
CASE_NUMBER = r"^[A-Z0-9][A-Z0-9/-]{0,29}\Z"


class UgfaMaintenanceSchema(PaymentModel):
    """One maintenance payment for a FOUND child (``paymentDate`` and its checks:
    ``PaymentModel``)."""

    requestedCode: Series[str]
    caseNumber: Series[str] = pa.Field(str_matches=CASE_NUMBER)
    month: Series[str] = pa.Field(str_matches=MONTH)
    amount: Series[str]
    recipientPersonCode: Series[str] = pa.Field(str_matches=CODE)

    money = money_check("amount")

    @pa.check("month", name="month_between_1900_and_a_year_ahead")
    @classmethod
    def month_not_far_ahead(cls, series: Series[str]) -> Series[bool]:
        return dates_in_range(series.map(lambda m: None if m is None else f"{m}-01"), "start")


def maintenance_facts(pid: int, rows: list[Row]) -> list[Fact]:
    """One MAINTENANCE fact per payment, of the child, in its ``month`` (property.md §6)."""
    return numbered_facts(
        pid, rows, "MAINTENANCE", lambda r: f"{r['month']}:{r['caseNumber']}", lambda r: r["month"]
    )
