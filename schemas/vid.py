"""pandera models of VID income and employments (registries.md §5)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from tilts.schemas.common import DATE, MONTH, dates_in_range, money_ok, real_dates
from tilts.schemas.facts import Fact, Row, day, numbered_facts, payload

REG_NO = r"^[0-9]{11}\Z"


class VidRowSchema(pa.DataFrameModel):
    """One income month or one employment of a FOUND person (``rowKind`` says which)."""

    requestedCode: Series[str]
    rowKind: Series[str] = pa.Field(isin=["INCOME", "EMPLOYMENT"])
    # absent for income without a payer (self-employment, rental, other)
    employerRegNo: Series[str] = pa.Field(nullable=True, str_matches=REG_NO)
    month: Series[str] = pa.Field(nullable=True, str_matches=MONTH)
    incomeType: Series[str] = pa.Field(
        nullable=True, isin=["SALARY", "SELF_EMPLOYMENT", "ROYALTY", "RENTAL", "OTHER"]
    )
    grossAmount: Series[str] = pa.Field(nullable=True)
    taxesWithheld: Series[str] = pa.Field(nullable=True)
    netAmount: Series[str] = pa.Field(nullable=True)
    employerName: Series[str] = pa.Field(nullable=True, str_length={"max_value": 300})
    startDate: Series[str] = pa.Field(nullable=True, str_matches=DATE)
    endDate: Series[str] = pa.Field(nullable=True, str_matches=DATE)

    class Config:
        strict = True

    @pa.dataframe_check(name="employment_has_employer")
    @classmethod
    def employment_has_employer(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["rowKind"] != "EMPLOYMENT") | df["employerRegNo"].notna()

    @pa.check("grossAmount", "taxesWithheld", "netAmount", name="money_two_decimals")
    @classmethod
    def money(cls, series: Series[str]) -> Series[bool]:
        return money_ok(series)

    @pa.check("startDate", "endDate", name="real_date")
    @classmethod
    def real_date(cls, series: Series[str]) -> Series[bool]:
        return real_dates(series)

    @pa.check("startDate", name="date_between_1900_and_a_year_ahead")
    @classmethod
    def date_not_far_ahead(cls, series: Series[str]) -> Series[bool]:
        return dates_in_range(series, "start")

    @pa.check("endDate", name="date_between_1900_and_2199")
    @classmethod
    def date_in_range(cls, series: Series[str]) -> Series[bool]:
        return dates_in_range(series, "end")


def vid_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Frame rows of one person's answer: income months, then employments."""
    code = result["personCode"]
    rows = [{"requestedCode": code, "rowKind": "INCOME", **i} for i in result.get("income") or []]
    rows += [
        {"requestedCode": code, "rowKind": "EMPLOYMENT", **e}
        for e in result.get("employments") or []
    ]
    return rows


def _payer(row: Row) -> str:
    return row.get("employerRegNo") or "-"  # no payer for self-employment, rental, other


def vid_facts(pid: int, rows: list[Row]) -> list[Fact]:
    """INCOME facts per month, payer and type (several are numbered); EMPLOYMENT facts per
    employer and start."""
    income = [r for r in rows if r["rowKind"] == "INCOME"]
    out = numbered_facts(
        pid,
        income,
        "INCOME",
        lambda r: f"{r['month']}:{_payer(r)}:{r['incomeType']}",
        lambda r: r["month"],
    )
    out += [
        Fact(
            pid,
            "EMPLOYMENT",
            f"{_payer(r)}:{r.get('startDate')}",
            payload(r),
            day(r, "startDate"),
            day(r, "endDate"),
        )
        for r in rows
        if r["rowKind"] != "INCOME"
    ]
    return out


def employment_key(row: Row) -> tuple[Any, ...] | None:
    """An employment is keyed by employer and start; income lines have no key."""
    if row.get("rowKind") != "EMPLOYMENT":
        return None
    return ("EMPLOYMENT", row.get("employerRegNo"), row.get("startDate"))
