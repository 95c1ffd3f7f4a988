"""pandera model CSDD and VTUA share (property.md §3), one row per vehicle role, and the
``VEHICLE`` facts of valid rows.

A row is one vehicle as the person holds it: ``registrationNumber`` (ASCII capitals and digits,
1 to 8), ``category`` (each register's own list: ``schemas/csdd.py``, ``schemas/vtua.py``),
``make``, ``model``, ``firstRegistrationDate`` (has happened), ``role``, ``from`` (starts at
most a year ahead), ``to`` (absent while held, never before ``from``) and
``registrationStatus``. A VIN is never sent.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import DataFrame, Series

from tilts.schemas.common import DATE, dates_in_range, real_dates
from tilts.schemas.facts import Fact, Row, day, payload

#: the registration number: ASCII capitals and digits, 1 to 8 (``\Z``: no trailing newline)
REGISTRATION_NUMBER = r"^[A-Z0-9]{1,8}\Z"
ROLES = ["OWNER", "HOLDER", "KEEPER"]
REGISTRATION_STATUSES = ["REGISTERED", "TEMPORARILY_DEREGISTERED", "DEREGISTERED"]
KIND = "VEHICLE"


class VehicleSchema(pa.DataFrameModel):
    """One vehicle role of a FOUND person (the category list is the register's)."""

    requestedCode: Series[str]
    registrationNumber: Series[str] = pa.Field(str_matches=REGISTRATION_NUMBER)
    category: Series[str]
    make: Series[str] = pa.Field(nullable=True, str_length={"min_value": 1, "max_value": 60})
    model: Series[str] = pa.Field(nullable=True, str_length={"min_value": 1, "max_value": 60})
    firstRegistrationDate: Series[str] = pa.Field(nullable=True, str_matches=DATE)
    role: Series[str] = pa.Field(isin=ROLES)
    held_from: Series[str] = pa.Field(str_matches=DATE, alias="from")
    to: Series[str] = pa.Field(nullable=True, str_matches=DATE)
    registrationStatus: Series[str] = pa.Field(isin=REGISTRATION_STATUSES)

    class Config:
        strict = True

    # Each check is named by its method, not by ``name=``: pandera (0.35) takes an inherited
    # check's ``name=`` away when the first model of it (CSDD's or VTUA's) is built, and the
    # other is left with the method's name (schemas/common.py PaymentModel).
    @pa.check("firstRegistrationDate", "from", "to")
    @classmethod
    def real_date(cls, series: Series[str]) -> Series[bool]:
        return real_dates(series)

    @pa.check("firstRegistrationDate")  # the first registration has happened
    @classmethod
    def date_between_1900_and_the_as_of_day(cls, series: Series[str]) -> Series[bool]:
        return dates_in_range(series, "past")

    @pa.check("from")
    @classmethod
    def date_between_1900_and_a_year_ahead(cls, series: Series[str]) -> Series[bool]:
        return dates_in_range(series, "start")

    @pa.check("to")
    @classmethod
    def date_between_1900_and_2199(cls, series: Series[str]) -> Series[bool]:
        return dates_in_range(series, "end")

    @pa.dataframe_check(name="to_not_before_from")
    @classmethod
    def to_not_before_from(cls, frame: DataFrame[Any]) -> Series[bool]:
        return pd.Series(
            [_ordered(a, b) for a, b in zip(frame["from"], frame["to"], strict=True)],
            index=frame.index,
            dtype=bool,
        )


def _ordered(start: Any, end: Any) -> bool:
    """``to`` on or after ``from`` (ISO dates compare as text; a malformed one is reported by
    its own check)."""
    if not isinstance(start, str) or not isinstance(end, str):
        return True
    if len(start) != 10 or len(end) != 10:
        return True
    return end >= start


def vehicle_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Frame rows of one person's answer (its ``vehicles``)."""
    return [{"requestedCode": result["personCode"], **v} for v in result.get("vehicles") or []]


def vehicle_facts(pid: int, rows: list[Row]) -> list[Fact]:
    """One ``VEHICLE`` fact per vehicle role, keyed ``<registrationNumber>:<role>``, valid
    from ``from`` to ``to`` (property.md §3; the payload is the row as the register states
    it)."""
    return [
        Fact(
            pid,
            KIND,
            f"{r['registrationNumber']}:{r['role']}",
            payload(r),
            day(r, "from"),
            day(r, "to"),
        )
        for r in rows
    ]


def vehicle_key(row: Row) -> tuple[Any, ...] | None:
    """A vehicle role is keyed by its registration number and role within one answer."""
    return ("vehicle", row.get("registrationNumber"), row.get("role"))
