"""Column rules shared by the registry schemas."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pandas as pd

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
