"""Column rules shared by the registry schemas."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd

CODE = r"^\d{11}$"
DATE = r"^\d{4}-\d{2}-\d{2}$"
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
MONEY = r"^-?\d{1,9}\.\d{2}$"


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
    """True where the value is absent or a decimal string with exactly two decimals."""

    def ok(v: Any) -> bool:
        if v is None:
            return True
        if not isinstance(v, str):
            return False
        try:
            return Decimal(v).as_tuple().exponent == -2
        except InvalidOperation:
            return False

    return series.map(ok).astype(bool)
