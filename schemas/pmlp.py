"""pandera models of PMLP person records and change events (registries.md §2)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from tilts.kernel.personal_code import is_valid
from tilts.schemas.common import CODE, DATE, dates_in_range, real_dates


class PmlpPersonSchema(pa.DataFrameModel):
    """One ``fpr:person`` answer, flattened by :func:`flatten_person`."""

    requestedCode: Series[str] = pa.Field(nullable=False)
    result: Series[str] = pa.Field(isin=["FOUND", "NOT_FOUND", "INVALID_CODE"])
    personCode: Series[str] = pa.Field(nullable=True, str_matches=CODE)
    givenName: Series[str] = pa.Field(nullable=True, str_length={"max_value": 200})
    surname: Series[str] = pa.Field(nullable=True, str_length={"max_value": 200})
    birthDate: Series[str] = pa.Field(nullable=True, str_matches=DATE)
    sex: Series[str] = pa.Field(nullable=True, isin=["M", "F"])
    citizenship: Series[str] = pa.Field(nullable=True, str_matches=r"^[A-Z]{3}\Z")
    registerStatus: Series[str] = pa.Field(nullable=True, isin=["ACTIVE", "PASSIVE"])
    deathDate: Series[str] = pa.Field(nullable=True, str_matches=DATE)
    addressCode: Series[str] = pa.Field(nullable=True, str_matches=r"^[0-9]{9}\Z")
    atvk: Series[str] = pa.Field(nullable=True, str_matches=r"^[0-9]{7}\Z")
    addressValidFrom: Series[str] = pa.Field(nullable=True, str_matches=DATE)

    class Config:
        coerce = False
        strict = True

    @pa.check("birthDate", "deathDate", "addressValidFrom", name="real_date")
    @classmethod
    def real_date(cls, series: Series[str]) -> Series[bool]:
        return real_dates(series)

    @pa.check("birthDate", "deathDate", name="date_between_1900_and_today")
    @classmethod
    def date_has_happened(cls, series: Series[str]) -> Series[bool]:
        return dates_in_range(series, "past")

    @pa.check("addressValidFrom", name="date_between_1900_and_a_year_ahead")
    @classmethod
    def date_not_far_ahead(cls, series: Series[str]) -> Series[bool]:
        return dates_in_range(series, "start")

    @pa.check("personCode", name="valid_personal_code")
    @classmethod
    def valid_code(cls, series: Series[str]) -> Series[bool]:
        return series.map(lambda v: v is None or is_valid(v)).astype(bool)

    @pa.dataframe_check(name="found_has_code_and_birth_date")
    @classmethod
    def found_complete(cls, df: pd.DataFrame) -> Series[bool]:
        found = df["result"] == "FOUND"
        return (~found) | (df["personCode"].notna() & df["birthDate"].notna())

    @pa.dataframe_check(name="death_not_before_birth")
    @classmethod
    def death_after_birth(cls, df: pd.DataFrame) -> Series[bool]:
        both = df["deathDate"].notna() & df["birthDate"].notna()
        return (~both) | (df["deathDate"].astype(str) >= df["birthDate"].astype(str))


def flatten_person(rec: dict[str, Any]) -> dict[str, Any]:
    """The frame row of one person record (nested address flattened)."""
    addr = rec.get("address") or {}
    return {
        "requestedCode": rec.get("requestedCode"),
        "result": rec.get("result"),
        "personCode": rec.get("personCode"),
        "givenName": rec.get("givenName"),
        "surname": rec.get("surname"),
        "birthDate": rec.get("birthDate"),
        "sex": rec.get("sex"),
        "citizenship": rec.get("citizenship"),
        "registerStatus": rec.get("registerStatus"),
        "deathDate": rec.get("deathDate"),
        "addressCode": addr.get("addressCode"),
        "atvk": addr.get("atvk"),
        "addressValidFrom": addr.get("validFrom"),
    }


class PmlpChangeSchema(pa.DataFrameModel):
    """One ``fpr:change`` event of the change feed."""

    personCode: Series[str] = pa.Field(str_matches=CODE)
    kind: Series[str] = pa.Field(isin=["ADDRESS", "DEATH", "NAME", "CODE", "RELATIONS", "STATUS"])
    changedAt: Series[str] = pa.Field(str_matches=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T")

    class Config:
        strict = True
