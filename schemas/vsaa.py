"""pandera model of VSAA payments (registries.md §4), one row per payment."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandera.pandas as pa
from pandera.typing import Series

from tilts.schemas.common import DATE, MONTH, dates_in_range, money_ok, real_dates
from tilts.schemas.facts import Fact, Row, payload

BENEFIT_TYPES = [
    "OLD_AGE_PENSION", "DISABILITY_PENSION", "SURVIVOR_PENSION", "SERVICE_PENSION",
    "UNEMPLOYMENT_BENEFIT", "SICKNESS_BENEFIT", "MATERNITY_BENEFIT", "PATERNITY_BENEFIT",
    "PARENTAL_BENEFIT", "CHILDCARE_BENEFIT", "FAMILY_STATE_BENEFIT",
    "DISABLED_CHILD_CARE_BENEFIT", "DISABILITY_CARE_BENEFIT", "STATE_SOCIAL_SECURITY_BENEFIT",
    "BIRTH_BENEFIT", "FUNERAL_BENEFIT", "MAINTENANCE_GUARANTEE_FUND",
]  # fmt: skip


class VsaaPaymentSchema(pa.DataFrameModel):
    """One payment of a FOUND person."""

    requestedCode: Series[str]
    month: Series[str] = pa.Field(str_matches=MONTH)
    benefitType: Series[str] = pa.Field(isin=BENEFIT_TYPES)
    grossAmount: Series[str]
    incomeTaxWithheld: Series[str]
    paidAmount: Series[str]
    paymentDate: Series[str] = pa.Field(str_matches=DATE)

    class Config:
        strict = True

    @pa.check("grossAmount", "incomeTaxWithheld", "paidAmount", name="money_two_decimals")
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


def payment_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Frame rows of one person's answer."""
    return [{"requestedCode": result["personCode"], **p} for p in result.get("payments") or []]


def payment_facts(pid: int, rows: list[Row]) -> list[Fact]:
    """One PAYMENT fact per payment (several of a type in a month are numbered)."""
    seen: dict[str, int] = defaultdict(int)
    out = []
    for r in rows:
        base = f"{r['month']}:{r['benefitType']}"
        seen[base] += 1
        out.append(Fact(pid, "PAYMENT", f"{base}:{seen[base]}", payload(r), period=r["month"]))
    return out
