"""pandera model of UR enterprise roles (property.md §4), one row per role of a FOUND person,
and the ``ENTERPRISE_ROLE`` facts they become (key ``<registrationNumber>:<role>``)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from tilts.schemas.common import DATE, dates_in_range, real_dates
from tilts.schemas.facts import Fact, Row, day, payload

LEGAL_FORMS = ["SIA", "AS", "IK", "ZS", "KS", "PS", "BIEDRIBA", "OTHER"]
ENTITY_STATUSES = ["ACTIVE", "INSOLVENT", "LIQUIDATION", "EXCLUDED"]
ROLES = ["MEMBER", "OFFICER", "BENEFICIAL_OWNER", "SOLE_PROPRIETOR"]
REG_NO = r"^[0-9]{11}\Z"  # ASCII digits only (``\d`` would take any Unicode digit)
PERCENT = r"^[0-9]{1,3}(\.[0-9]{1,2})?\Z"  # a decimal string; 0–100 is checked as a number


class EnterpriseRoleSchema(pa.DataFrameModel):
    """One role of a person in an enterprise."""

    requestedCode: Series[str]
    registrationNumber: Series[str] = pa.Field(str_matches=REG_NO)
    legalName: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 200})
    legalForm: Series[str] = pa.Field(isin=LEGAL_FORMS)
    entityStatus: Series[str] = pa.Field(isin=ENTITY_STATUSES)
    role: Series[str] = pa.Field(isin=ROLES)
    sharePercent: Series[object] = pa.Field(nullable=True)
    # "from"/"to" are Python keywords: the columns keep the wire names
    from_: Series[str] = pa.Field(alias="from", str_matches=DATE)
    to: Series[str] = pa.Field(nullable=True, str_matches=DATE)

    class Config:
        strict = True

    @pa.check("sharePercent", name="share_decimal_string_0_to_100")
    @classmethod
    def share_range(cls, series: Series[object]) -> Series[bool]:
        return series.map(lambda v: v is None or _share_ok(v)).astype(bool)

    @pa.dataframe_check(name="sharePercent_for_members_only")
    @classmethod
    def share_members_only(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["role"] == "MEMBER") | df["sharePercent"].isna()

    @pa.dataframe_check(name="to_not_before_from")
    @classmethod
    def ends_after_start(cls, df: pd.DataFrame) -> Series[bool]:
        ok = df["to"].isna() | (df["to"].astype(str) >= df["from"].astype(str))
        return ok.astype(bool)

    @pa.check("from", "to", name="real_date")
    @classmethod
    def real_date(cls, series: Series[str]) -> Series[bool]:
        return real_dates(series)

    @pa.check("from", name="date_between_1900_and_a_year_ahead")
    @classmethod
    def date_not_far_ahead(cls, series: Series[str]) -> Series[bool]:
        return dates_in_range(series, "start")

    @pa.check("to", name="date_between_1900_and_2199")
    @classmethod
    def date_in_range(cls, series: Series[str]) -> Series[bool]:
        return dates_in_range(series, "end")


def _share_ok(value: object) -> bool:
    if not isinstance(value, str) or re.match(PERCENT, value) is None:
        return False
    return Decimal(0) <= Decimal(value) <= Decimal(100)


FIELDS = ("registrationNumber", "legalName", "legalForm", "entityStatus", "role",
          "sharePercent", "from", "to")  # fmt: skip


def role_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Frame rows of one person's answer: one per role, every §4 field (absent ones ``None``;
    a role that is not an object becomes a row of ``None``s, which the model refuses)."""
    code = result["personCode"]
    return [
        {"requestedCode": code, **{f: (r.get(f) if isinstance(r, dict) else None) for f in FIELDS}}
        for r in result.get("roles") or []
    ]


def role_facts(pid: int, rows: list[Row]) -> list[Fact]:
    """One ENTERPRISE_ROLE fact per role, keyed ``<registrationNumber>:<role>``, valid over the
    role's ``from``–``to``."""
    return [
        Fact(pid, "ENTERPRISE_ROLE", _key(r), payload(r), day(r, "from"), day(r, "to"))
        for r in rows
    ]


def _key(row: Row) -> str:
    return f"{row['registrationNumber']}:{row['role']}"


def role_key(row: Row) -> tuple[Any, ...] | None:
    """A role is keyed by the enterprise and the role (a person holds each role once)."""
    return (row.get("registrationNumber"), row.get("role"))
