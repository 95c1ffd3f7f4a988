"""pandera model of one caseload row (docs/caseload-format.md): one member of one case's
household, as the municipality's case application exports it."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from tilts.kernel.personal_code import is_valid
from tilts.schemas.common import CODE, DATE, real_dates

ROLES = ("MEMBER", "OWNER", "CONTRACT_HOLDER", "CHILD", "LEGAL_REPRESENTATIVE")
COLUMNS = (
    "caseNumber", "householdId", "personCode", "roles", "memberFrom", "memberTo",
    "caseOpenedOn", "caseClosedOn", "ukrainianCivilian",
)  # fmt: skip
REQUIRED = ("caseNumber", "householdId", "personCode", "caseOpenedOn")
ID = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}\Z"


class CaseloadRowSchema(pa.DataFrameModel):
    """One member of one case (case fields repeated on each of its members' rows)."""

    caseNumber: Series[str] = pa.Field(str_matches=ID)
    householdId: Series[str] = pa.Field(str_matches=ID)
    personCode: Series[str] = pa.Field(str_matches=CODE)
    roles: Series[str] = pa.Field(nullable=True)
    memberFrom: Series[str] = pa.Field(nullable=True, str_matches=DATE)
    memberTo: Series[str] = pa.Field(nullable=True, str_matches=DATE)
    caseOpenedOn: Series[str] = pa.Field(str_matches=DATE)
    caseClosedOn: Series[str] = pa.Field(nullable=True, str_matches=DATE)
    ukrainianCivilian: Series[str] = pa.Field(nullable=True, isin=["true", "false"])

    class Config:
        strict = True

    @pa.check("personCode", name="valid_personal_code")
    @classmethod
    def valid_code(cls, series: Series[str]) -> Series[bool]:
        return series.map(lambda v: isinstance(v, str) and is_valid(v)).astype(bool)

    @pa.check("roles", name="known_roles")
    @classmethod
    def known_roles(cls, series: Series[str]) -> Series[bool]:
        return series.map(_roles_ok).astype(bool)

    @pa.check("memberFrom", "memberTo", "caseOpenedOn", "caseClosedOn", name="real_date")
    @classmethod
    def real_date(cls, series: Series[str]) -> Series[bool]:
        return real_dates(series)

    @pa.dataframe_check(name="case_closed_before_opened")
    @classmethod
    def closed_after_opened(cls, df: pd.DataFrame) -> Series[bool]:
        return pd.Series(
            [_ordered(o, c) for o, c in zip(df["caseOpenedOn"], df["caseClosedOn"], strict=True)],
            index=df.index,
        )

    @pa.dataframe_check(name="member_to_before_member_from")
    @classmethod
    def member_ordered(cls, df: pd.DataFrame) -> Series[bool]:
        return pd.Series(
            [_ordered(f, t) for f, t in zip(df["memberFrom"], df["memberTo"], strict=True)],
            index=df.index,
        )


def _roles_ok(value: Any) -> bool:
    if value is None:
        return True
    parts = [p.strip() for p in str(value).split(";")]
    return all(p in ROLES for p in parts) and len(parts) == len(set(parts))


def _ordered(first: Any, last: Any) -> bool:
    """True unless both are ISO dates and ``last`` is before ``first`` (a malformed date is
    the column check's business)."""
    if not (isinstance(first, str) and isinstance(last, str)):
        return True
    return len(first) != 10 or len(last) != 10 or first <= last
