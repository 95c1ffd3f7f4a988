"""pandera model of NVA registrations (registries.md §6), one row per FOUND person."""

from __future__ import annotations

import re
from typing import Any

import pandera.pandas as pa
from pandera.typing import Series

from tilts.schemas.common import DATE, MONTH, dates_in_range, real_dates
from tilts.schemas.facts import Fact, Row, day, payload

END_REASONS = [
    "EMPLOYED", "SELF_EMPLOYED", "PENSION_AGE", "FULL_TIME_STUDIES", "REFUSED_SUITABLE_WORK",
    "DUTIES_NOT_MET", "FALSE_INFORMATION", "LEFT_COUNTRY", "OTHER",
]  # fmt: skip


class NvaRegistrationSchema(pa.DataFrameModel):
    """The registration of one person (measure flattened)."""

    requestedCode: Series[str]
    kind: Series[str] = pa.Field(isin=["UNEMPLOYED", "JOB_SEEKER", "NOT_REGISTERED"])
    since: Series[str] = pa.Field(nullable=True, str_matches=DATE)
    endedOn: Series[str] = pa.Field(nullable=True, str_matches=DATE)
    endReason: Series[str] = pa.Field(nullable=True, isin=END_REASONS)
    measureType: Series[str] = pa.Field(nullable=True, str_length={"max_value": 60})
    measureFrom: Series[str] = pa.Field(nullable=True, str_matches=DATE)
    measureTo: Series[str] = pa.Field(nullable=True, str_matches=DATE)
    stipendPaid: Series[object] = pa.Field(nullable=True, isin=[True, False])
    stipends: Series[object] = pa.Field(nullable=True)

    class Config:
        strict = True

    @pa.check("since", "endedOn", "measureFrom", "measureTo", name="real_date")
    @classmethod
    def real_date(cls, series: Series[str]) -> Series[bool]:
        return real_dates(series)

    @pa.check("since", "measureFrom", name="date_between_1900_and_a_year_ahead")
    @classmethod
    def date_not_far_ahead(cls, series: Series[str]) -> Series[bool]:
        return dates_in_range(series, "start")

    @pa.check("endedOn", "measureTo", name="date_between_1900_and_2199")
    @classmethod
    def date_in_range(cls, series: Series[str]) -> Series[bool]:
        return dates_in_range(series, "end")

    @pa.check("stipends", name="list_of_month_and_amount")
    @classmethod
    def stipends_shape(cls, series: Series[object]) -> Series[bool]:
        return series.map(lambda v: v is None or _entries_ok(v)).astype(bool)

    @pa.check("stipends", name="stipend_month_YYYY-MM_once")
    @classmethod
    def stipend_months(cls, series: Series[object]) -> Series[bool]:
        return series.map(_months_ok).astype(bool)

    @pa.check("stipends", name="stipend_amount_EUR_not_negative")
    @classmethod
    def stipend_amounts(cls, series: Series[object]) -> Series[bool]:
        return series.map(_amounts_ok).astype(bool)


def _entries_ok(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(e, dict) and set(e) == {"month", "amount"} for e in value
    )


def _months_ok(value: object) -> bool:
    if not _entries_ok(value):
        return True  # the shape check reports it
    assert isinstance(value, list)
    months = [e["month"] for e in value]
    valid = all(isinstance(m, str) and re.match(MONTH, m) for m in months)
    return valid and len(set(months)) == len(months)


def _amounts_ok(value: object) -> bool:
    if not _entries_ok(value):
        return True
    assert isinstance(value, list)
    return all(isinstance(e["amount"], str) and re.match(AMOUNT, e["amount"]) for e in value)


AMOUNT = r"^[0-9]{1,9}\.[0-9]{2}\Z"  # EUR, two decimals, never negative


def registration_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The frame row of one person's answer (none when there is no registration)."""
    reg = result.get("registration")
    if not reg:
        return []
    measure = reg.get("activeMeasure") or {}
    row: dict[str, Any] = {
        "requestedCode": result["personCode"],
        "kind": reg.get("kind"),
        "since": reg.get("since"),
        "endedOn": reg.get("endedOn"),
        "endReason": reg.get("endReason"),
        "measureType": measure.get("type"),
        "measureFrom": measure.get("from"),
        "measureTo": measure.get("to"),
        "stipendPaid": measure.get("stipendPaid"),
    }
    if "stipends" in measure:  # a payload without pay stays as it was stored before
        row["stipends"] = measure["stipends"]
    return [row]


def registration_facts(pid: int, rows: list[Row]) -> list[Fact]:
    """The current NVA registration (a change supersedes the previous one)."""
    return [
        Fact(pid, "REGISTRATION", "registration", payload(r), day(r, "since"), day(r, "endedOn"))
        for r in rows
    ]
