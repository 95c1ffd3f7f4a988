"""pandera model of VDEĀVK disability decisions (registries.md §3), one row per decision."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from tilts.schemas.common import DATE, dates_in_range, real_dates
from tilts.schemas.facts import Fact, Row, day, payload


class DisabilityDecisionSchema(pa.DataFrameModel):
    """One ``decision`` of a FOUND person."""

    requestedCode: Series[str]
    decisionNumber: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 60})
    decisionDate: Series[str] = pa.Field(str_matches=DATE)
    subject: Series[str] = pa.Field(isin=["ADULT", "CHILD"])
    group: Series[str] = pa.Field(nullable=True, isin=["I", "II", "III"])
    workCapacityLossPercent: Series[str] = pa.Field(nullable=True, str_matches=r"^[0-9]{2,3}\Z")
    validFrom: Series[str] = pa.Field(str_matches=DATE)
    validTo: Series[str] = pa.Field(nullable=True, str_matches=DATE)
    lifelong: Series[str] = pa.Field(isin=["true", "false"])
    specialCareNeed: Series[str] = pa.Field(isin=["true", "false"])

    class Config:
        strict = True

    @pa.check("decisionDate", "validFrom", "validTo", name="real_date")
    @classmethod
    def real_date(cls, series: Series[str]) -> Series[bool]:
        return real_dates(series)

    @pa.check("decisionDate", "validFrom", name="date_between_1900_and_a_year_ahead")
    @classmethod
    def date_not_far_ahead(cls, series: Series[str]) -> Series[bool]:
        return dates_in_range(series, "start")

    @pa.check("validTo", name="date_between_1900_and_2199")
    @classmethod
    def date_in_range(cls, series: Series[str]) -> Series[bool]:
        return dates_in_range(series, "end")

    @pa.dataframe_check(name="adult_has_group_child_has_none")
    @classmethod
    def group_by_subject(cls, df: pd.DataFrame) -> Series[bool]:
        adult = df["subject"] == "ADULT"
        return (adult & df["group"].notna()) | (~adult & df["group"].isna())

    @pa.dataframe_check(name="valid_to_unless_lifelong")
    @classmethod
    def valid_to(cls, df: pd.DataFrame) -> Series[bool]:
        lifelong = df["lifelong"] == "true"
        ordered = df["validTo"].isna() | (df["validTo"].astype(str) >= df["validFrom"].astype(str))
        return (lifelong | df["validTo"].notna()) & ordered


def decision_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Frame rows of one person's answer."""
    return [{"requestedCode": result["requestedCode"], **d} for d in result.get("decisions") or []]


def disability_facts(pid: int, rows: list[Row]) -> list[Fact]:
    """One DISABILITY fact per decision, valid over the decision's period."""
    return [
        Fact(pid, "DISABILITY", r["decisionNumber"], payload(r), day(r, "validFrom"),
             day(r, "validTo"))
        for r in rows
    ]  # fmt: skip


def decision_key(row: Row) -> tuple[Any, ...] | None:
    """A decision is keyed by its number within one answer."""
    return ("decision", row.get("decisionNumber"))
