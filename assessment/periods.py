"""Calendar helpers: months, ages and month arithmetic.

Everything here is plain date arithmetic with no rule in it; the rules that use it (which
months are averaged, who is a child, who has reached pension age) live in the calculator and
cite ``assessment.md``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})\Z")  # ASCII digits: ``\d``/``int`` take "٢٠٢٦"


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, written ``YYYY-MM`` on the wire (``registries.md`` §1)."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1 <= self.year <= 9999:
            raise ValueError("not a calendar month")

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse ``YYYY-MM``.

        Raises:
            ValueError: when ``text`` is not a month in that form.
        """
        match = _MONTH.match(text)
        if match is None:
            raise ValueError("not a month in the form YYYY-MM")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> Month:
        """The month that contains ``day``."""
        return cls(day.year, day.month)

    def shift(self, months: int) -> Month:
        """The month ``months`` later (negative: earlier)."""
        index = self.year * 12 + (self.month - 1) + months
        return Month(index // 12, index % 12 + 1)

    @property
    def first_day(self) -> dt.date:
        """The first day of the month."""
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        """The last day of the month."""
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def months_before(day: dt.date, count: int) -> tuple[Month, ...]:
    """The ``count`` full calendar months before the month of ``day``, oldest first."""
    current = Month.of(day)
    return tuple(current.shift(-offset) for offset in range(count, 0, -1))


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months, clamped to the end of a shorter month."""
    target = Month.of(day).shift(months)
    return dt.date(target.year, target.month, min(day.day, target.last_day.day))


def has_reached_age(birth_date: dt.date, years: int, months: int, day: dt.date) -> bool:
    """True when a person born on ``birth_date`` is at least ``years`` y ``months`` m on ``day``.

    A person born on 29 February reaches a whole-year age on 28 February of a common year
    (the month is clamped), the usual civil-law reading.
    """
    return day >= add_months(birth_date, years * 12 + months)
