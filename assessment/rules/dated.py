"""Parsing the dated rows added for the law as of 2026 (``assessment.md`` §3, §5).

* ``[[housing_coefficients]]`` — K by household type from a date (national: all four types;
  a municipality's own rows, ``[[municipalities."<ATVK>".housing_coefficients]]``, may name
  only the types it raises);
* ``[[savings_limit]]`` — a fixed ``amount``, or ``poor_threshold = true`` (the household's
  poor threshold in force on the application date);
* ``[[housing_norms]]`` — national caps per housing expense type (MK 809 annex 3).

Every row must name its ``source``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from tilts.assessment.rules.tables import (
    HouseholdType,
    HousingCoefficientRow,
    HousingNormRow,
    SavingsLimitRow,
)
from tilts.assessment.rules.toml_reader import Table, TomlReader

_META = {"from", "source", "modelled"}
_TYPES = {t.value for t in HouseholdType}
_RowT = TypeVar("_RowT", HousingCoefficientRow, SavingsLimitRow, HousingNormRow)


def required_source(reader: TomlReader, row: Table, key: str) -> str:
    """The row's ``source``: required and not blank (every rule row names where it comes from)."""
    source = reader.text(reader.required(row, "source", key), f"{key}.source")
    if not source.strip():
        raise reader.fail(f"{key}.source", "must name where the row comes from")
    return source


def _sorted(reader: TomlReader, rows: Sequence[_RowT], key: str) -> tuple[_RowT, ...]:
    dates = [row.in_force_from for row in rows]
    if len(set(dates)) != len(dates):
        raise reader.fail(key, "two rows are in force from the same date")
    return tuple(sorted(rows, key=lambda row: row.in_force_from))


def coefficient_rows(
    reader: TomlReader, value: object, key: str, atvk: str = ""
) -> tuple[HousingCoefficientRow, ...]:
    """Parse an array of coefficient rows; a national row (no ``atvk``) needs all four types.

    Raises:
        ConfigError: naming the key and the file.
    """
    rows = []
    for index, row in enumerate(reader.tables(value, key)):
        row_key = f"{key}[{index}]"
        reader.table(row, row_key, _META | _TYPES)
        named = {
            HouseholdType(name): reader.factor(row[name], f"{row_key}.{name}")
            for name in sorted(_TYPES & set(row))
        }
        if not atvk and len(named) != len(_TYPES):
            missing = sorted(_TYPES - set(row))[0]
            raise reader.fail(f"{row_key}.{missing}", "is required")
        if not named:
            raise reader.fail(row_key, "names no household type")
        rows.append(
            HousingCoefficientRow(
                in_force_from=reader.date(reader.required(row, "from", row_key), f"{row_key}.from"),
                coefficients=named,
                source=required_source(reader, row, row_key),
                modelled=reader.flag(row.get("modelled", False), f"{row_key}.modelled"),
                atvk=atvk,
            )
        )
    return _sorted(reader, rows, key)


def savings_rows(reader: TomlReader, value: object, key: str) -> tuple[SavingsLimitRow, ...]:
    """Parse ``[[savings_limit]]`` rows (``amount`` or ``poor_threshold = true``).

    Raises:
        ConfigError: naming the key and the file.
    """
    rows = []
    for index, row in enumerate(reader.tables(value, key)):
        row_key = f"{key}[{index}]"
        reader.table(row, row_key, _META | {"amount", "poor_threshold"})
        poor = reader.flag(row.get("poor_threshold", False), f"{row_key}.poor_threshold")
        if poor == ("amount" in row):
            raise reader.fail(row_key, "needs either amount or poor_threshold = true")
        rows.append(
            SavingsLimitRow(
                in_force_from=reader.date(reader.required(row, "from", row_key), f"{row_key}.from"),
                amount=None if poor else reader.money(row["amount"], f"{row_key}.amount"),
                source=required_source(reader, row, row_key),
                modelled=reader.flag(row.get("modelled", False), f"{row_key}.modelled"),
            )
        )
    if not rows:
        raise reader.fail(key, "needs at least one row")
    return _sorted(reader, rows, key)


def norm_rows(
    reader: TomlReader, value: object, key: str, expense_types: Sequence[str]
) -> tuple[HousingNormRow, ...]:
    """Parse ``[[housing_norms]]`` rows: ``norms = { HEATING = { first, other } }``.

    Raises:
        ConfigError: naming the key and the file (also for an unknown expense type).
    """
    rows = []
    for index, row in enumerate(reader.tables(value, key)):
        row_key = f"{key}[{index}]"
        reader.table(row, row_key, _META | {"norms"})
        norms_table = reader.table(reader.required(row, "norms", row_key), f"{row_key}.norms")
        norms = {}
        for kind, rate in norms_table.items():
            if kind not in expense_types:
                raise reader.fail(f"{row_key}.norms.{kind}", "is not a housing expense type")
            norms[str(kind)] = reader.rate(rate, f"{row_key}.norms.{kind}")
        rows.append(
            HousingNormRow(
                in_force_from=reader.date(reader.required(row, "from", row_key), f"{row_key}.from"),
                norms=norms,
                source=required_source(reader, row, row_key),
                modelled=reader.flag(row.get("modelled", False), f"{row_key}.modelled"),
            )
        )
    return _sorted(reader, rows, key)
