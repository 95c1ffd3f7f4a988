"""pandera model of NVA registrations (registries.md §6), one row per FOUND person."""

from __future__ import annotations

from typing import Any

import pandera.pandas as pa
from pandera.typing import Series

from schemas.common import DATE, dates_in_range, real_dates

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


def registration_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The frame row of one person's answer (none when there is no registration)."""
    reg = result.get("registration")
    if not reg:
        return []
    measure = reg.get("activeMeasure") or {}
    return [
        {
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
    ]
