"""Typed access to parsed TOML values, with errors that name the key and the file.

Money may be written as a string (``"87.50"``, preferred), an integer or a TOML float; it must
not have more than two decimals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from tilts.assessment.rules.tables import Rate
from tilts.kernel.errors import ConfigError

Table = Mapping[str, object]


class TomlReader:
    """Typed access to parsed TOML values; every error names ``source`` and the key path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> ConfigError:
        """A :class:`ConfigError` for ``key`` in this source."""
        return ConfigError(f"{self.source}: {key}: {problem}")

    def table(self, value: object, key: str, allowed: set[str] | None = None) -> Table:
        """``value`` as a table; with ``allowed``, any other key is an error."""
        if not isinstance(value, Mapping):
            raise self.fail(key, "must be a table")
        for name in value:
            if not isinstance(name, str) or (allowed is not None and name not in allowed):
                raise self.fail(f"{key}.{name}", "unknown key")
        return value

    def tables(self, value: object, key: str) -> list[Table]:
        """``value`` as an array of tables."""
        if not isinstance(value, list):
            raise self.fail(key, "must be an array of tables")
        return [self.table(item, f"{key}[{index}]") for index, item in enumerate(value)]

    def required(self, table: Table, name: str, key: str) -> object:
        """The value of ``name`` in ``table``; missing is an error."""
        if name not in table:
            raise self.fail(f"{key}.{name}", "is required")
        return table[name]

    def money(self, value: object, key: str) -> Decimal:
        """A non-negative amount with at most two decimals."""
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise self.fail(key, 'must be an amount such as "87.50"')
        if not str(value).isascii():  # Decimal() takes "٤٠٠" and "４００" too
            raise self.fail(key, 'must be an amount such as "87.50"')
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise self.fail(key, 'must be an amount such as "87.50"') from None
        exponent = amount.as_tuple().exponent
        if not amount.is_finite() or amount < 0 or not isinstance(exponent, int) or exponent < -2:
            raise self.fail(key, "must be a non-negative amount with at most two decimals")
        return amount

    def factor(self, value: object, key: str) -> Decimal:
        """A positive decimal factor such as ``"1.5"``."""
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise self.fail(key, 'must be a number such as "1.5"')
        if not str(value).isascii():  # Decimal() takes "٤٠٠" and "４００" too
            raise self.fail(key, 'must be a number such as "1.5"')
        try:
            factor = Decimal(str(value))
        except InvalidOperation:
            raise self.fail(key, 'must be a number such as "1.5"') from None
        if not factor.is_finite() or factor <= 0:
            raise self.fail(key, "must be a positive number")
        return factor

    def rate(self, value: object, key: str) -> Rate:
        """A ``{first, other}`` table of amounts."""
        table = self.table(value, key, {"first", "other"})
        return Rate(
            first=self.money(self.required(table, "first", key), f"{key}.first"),
            other=self.money(self.required(table, "other", key), f"{key}.other"),
        )

    def date(self, value: object, key: str) -> dt.date:
        """A TOML local date (``2026-01-01``) or the same as a string."""
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise self.fail(key, "must be a date such as 2026-01-01") from None
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise self.fail(key, "must be a date such as 2026-01-01")
        return value

    def integer(self, value: object, key: str, minimum: int = 0) -> int:
        """An integer of at least ``minimum``."""
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(key, f"must be an integer of at least {minimum}")
        return value

    def atvk(self, value: str, key: str) -> str:
        """A municipality's ATVK code: seven ASCII digits (``isdigit()`` takes "٠٠٤٠٠٠٠" too)."""
        if not (len(value) == 7 and value.isascii() and value.isdigit()):
            raise self.fail(key, "the ATVK code must be 7 digits")
        return value

    def text(self, value: object, key: str) -> str:
        """A string."""
        if not isinstance(value, str):
            raise self.fail(key, "must be a string")
        return value

    def flag(self, value: object, key: str) -> bool:
        """A boolean."""
        if not isinstance(value, bool):
            raise self.fail(key, "must be true or false")
        return value

    def names(self, value: object, key: str) -> tuple[str, ...]:
        """An array of distinct, non-empty strings."""
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(key, "must be an array of names")
        names = tuple(str(v) for v in value)
        if len(set(names)) != len(names):
            raise self.fail(key, "lists a name twice")
        return names
