"""Field types of the case JSON (``assessment.md`` §7): amounts, dates, months, text, flags.

Each is a pydantic ``PlainValidator`` whose error never quotes the input.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated

from pydantic import PlainValidator
from pydantic_core import PydanticCustomError

from tilts.assessment.money import parse_amount
from tilts.assessment.periods import Month

# ASCII digits only (money and dates on the wire are ASCII): ``\d`` takes "٢٠٢٦" and
# "２０２６" too, and ``$`` a trailing newline
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "a string"


def _amount(value: object) -> Decimal:
    if not isinstance(value, str):
        raise PydanticCustomError(
            "amount_type",
            'must be an amount written as a string such as "12.34", not ' + _kind(value),
        )
    try:
        return parse_amount(value)
    except ValueError as exc:
        raise PydanticCustomError("amount_format", str(exc)) from None


# Dates a case can hold: beyond these a date is a typo or an attack (9999-12-31 overflowed the
# month arithmetic of the calculator; issue 18).
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2199, 12, 31)


def _date(value: object) -> dt.date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise PydanticCustomError("date_format", "must be a date string YYYY-MM-DD")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("date_value", "is not a calendar date") from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise PydanticCustomError(
            "date_range", f"must be between {FIRST_DATE.isoformat()} and {LAST_DATE.isoformat()}"
        )
    return day


def _month(value: object) -> Month:
    if not isinstance(value, str):
        raise PydanticCustomError("month_format", "must be a month string YYYY-MM")
    try:
        return Month.parse(value)
    except ValueError:
        raise PydanticCustomError("month_format", "must be a month string YYYY-MM") from None


def _year(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PydanticCustomError("year_type", "must be a year written as a JSON integer")
    if not FIRST_DATE.year <= value <= LAST_DATE.year:
        raise PydanticCustomError(
            "year_range", f"must be between {FIRST_DATE.year} and {LAST_DATE.year}"
        )
    return value


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PydanticCustomError("text", "must be a non-empty string")
    return value


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise PydanticCustomError("flag", "must be true or false")
    return value


Amount = Annotated[Decimal, PlainValidator(_amount)]
DateField = Annotated[dt.date, PlainValidator(_date)]
MonthField = Annotated[Month, PlainValidator(_month)]
Text = Annotated[str, PlainValidator(_text)]
Flag = Annotated[bool, PlainValidator(_flag)]
Year = Annotated[int, PlainValidator(_year)]
