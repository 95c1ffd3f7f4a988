"""Column rules shared by the registry schemas."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from tilts.kernel.clock import riga_today

# ASCII digits and nothing after: ``\d`` would take any Unicode digit ("２０２６") and ``$`` a
# trailing newline.
CODE = r"^[0-9]{11}\Z"
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"
MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])\Z"
MONEY = r"^-?[0-9]{1,9}\.[0-9]{2}\Z"


def real_dates(series: pd.Series[Any]) -> pd.Series[bool]:
    """True where the value is absent or a real ISO date."""

    def ok(v: Any) -> bool:
        if v is None:
            return True
        try:
            date.fromisoformat(str(v))
        except ValueError:
            return False
        return True

    return series.map(ok).astype(bool)


def money_ok(series: pd.Series[Any]) -> pd.Series[bool]:
    """True where the value is absent or a decimal string with exactly two decimals (``"512.34"``;
    not ``"100E-2"``, ``"1_000.00"`` or ``" 1.00"``, which ``Decimal`` would also read)."""

    def ok(v: Any) -> bool:
        return v is None or (isinstance(v, str) and re.match(MONEY, v) is not None)

    return series.map(ok).astype(bool)


# --- dates out of range (issue 18) -------------------------------------------------------------
# Every registry date lies between FIRST_DATE and LAST_DATE. A date that has happened (a birth, a
# death) lies on or before the run's as-of day; a date something starts on (a decision, a
# payment, a registration, an employment, an address) at most START_HORIZON after it. A run
# without an as-of day (the population sync) measures against Riga's today plus START_HORIZON: a
# registry's clock may run ahead of ours, never by a year. See docs/decisions.md.
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2199, 12, 31)
START_HORIZON = timedelta(days=366)
_AS_OF: ContextVar[date | None] = ContextVar("tilts_schema_as_of", default=None)


@contextmanager
def checking_as_of(day: date | None) -> Iterator[None]:
    """Validate the records of a run whose as-of day is ``day`` (``None``: not known)."""
    token = _AS_OF.set(day)
    try:
        yield
    finally:
        _AS_OF.reset(token)


def _latest(kind: str) -> date:
    as_of = _AS_OF.get()
    if kind == "end":
        return LAST_DATE
    if as_of is None:
        return riga_today() + START_HORIZON
    return as_of if kind == "past" else as_of + START_HORIZON


def dates_in_range(series: pd.Series[Any], kind: str) -> pd.Series[bool]:
    """True where the value is absent, not a date (``real_date`` says so), or in range:
    ``kind`` ``past`` (has happened), ``start`` (starts at most a year ahead) or ``end``."""
    latest = _latest(kind)

    def ok(v: Any) -> bool:
        if v is None:
            return True
        try:
            day = date.fromisoformat(str(v))
        except ValueError:
            return True
        return FIRST_DATE <= day <= latest

    return series.map(ok).astype(bool)


# --- payments (VSAA, LAD, UGFA) ------------------------------------------------------------------
def money_check(*columns: str) -> Any:
    """The ``money_two_decimals`` check of ``columns``, for a model's class body
    (``money = money_check("amount")``); a fresh check each call, named by its function."""

    def money_two_decimals(cls: type[pa.DataFrameModel], series: Series[str]) -> Series[bool]:
        return money_ok(series)

    return pa.check(*columns)(money_two_decimals)


class PaymentModel(pa.DataFrameModel):
    """A payment row: ``paymentDate`` a real date, at most a year ahead; a strict frame. A
    model of it names its money columns with :func:`money_check`."""

    paymentDate: Series[str] = pa.Field(str_matches=DATE)

    class Config:
        strict = True

    # Each check is named by its method, not by ``name=``: pandera (0.35) takes an inherited
    # check's ``name=`` away when the first model of it is built, and the next is left with the
    # method's name.
    @pa.check("paymentDate")
    @classmethod
    def real_date(cls, series: Series[str]) -> Series[bool]:
        return real_dates(series)

    @pa.check("paymentDate")
    @classmethod
    def date_between_1900_and_a_year_ahead(cls, series: Series[str]) -> Series[bool]:
        return dates_in_range(series, "start")
