"""Money as :class:`decimal.Decimal`: parsing, rounding and formatting.

Amounts are exact decimals end to end; rounding happens only where ``assessment.md`` asks for
an amount "to the cent" (the average monthly income and each benefit amount), always
``ROUND_HALF_UP`` to two decimals (see :mod:`assessment.calculator` for where).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# At most nine integer digits (no household has a billion euros a month) and at most two
# decimals: "12.345" is not a euro amount, and neither is "1e3", "NaN" or "-0". ASCII digits
# only: ``\d`` (and ``Decimal``) would take "٤٠٠.٠٠" or "４００"; ``\Z``: no trailing newline.
_AMOUNT = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,2})?\Z")


def parse_amount(text: str) -> Decimal:
    """Parse a non-negative euro amount written as a string, e.g. ``"12.34"``.

    Raises:
        ValueError: when the text is not such an amount (the message never repeats it).
    """
    if not _AMOUNT.match(text):
        raise ValueError(
            'must be a non-negative euro amount with at most two decimals, e.g. "12.34"'
        )
    return Decimal(text)


def to_cents(value: Decimal) -> Decimal:
    """Round half up to the cent; never returns negative zero."""
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return ZERO if rounded.is_zero() else rounded


def format_amount(value: Decimal) -> str:
    """The wire form of an amount: a string with exactly two decimals (rounded half up)."""
    return f"{to_cents(value):f}"


def format_factor(value: Decimal) -> str:
    """A factor without trailing zeros: ``Decimal("2.0")`` -> ``"2"``, ``"1.50"`` -> ``"1.5"``."""
    normal = value.normalize()
    return f"{normal:f}"
