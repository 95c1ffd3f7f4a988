"""Reading the property test's dated rows (``property.md`` §8) from ``property.toml``.

The file has four arrays of tables, ``[[dwelling]]``, ``[[other_real_estate]]``,
``[[vehicles]]`` and ``[[enterprises]]`` (every row: ``from``, ``source``, optional
``modelled``), and optional ``[municipalities."<ATVK>"]`` tables holding a municipality's own
rows of any of the four, in the same shape. An operator's rows use the same shape too
(:func:`parse_property_rows`). Unknown keys and a row without a ``source`` are errors naming
the key and the file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from tilts.assessment.rules.property_tables import (
    DwellingRow,
    EnterpriseRow,
    OtherRealEstateRow,
    PropertyRules,
    VehicleRow,
)
from tilts.assessment.rules.toml_reader import Table, TomlReader

_META = {"from", "source", "modelled"}
_RULES = ("dwelling", "other_real_estate", "vehicles", "enterprises")
_RowT = TypeVar("_RowT", DwellingRow, OtherRealEstateRow, VehicleRow, EnterpriseRow)


def _meta(reader: TomlReader, row: Table, key: str) -> dict[str, object]:
    source = reader.text(reader.required(row, "source", key), f"{key}.source")
    if not source.strip():
        raise reader.fail(f"{key}.source", "must name where the row comes from")
    return {
        "in_force_from": reader.date(reader.required(row, "from", key), f"{key}.from"),
        "source": source,
        "modelled": reader.flag(row.get("modelled", False), f"{key}.modelled"),
    }


def _names(reader: TomlReader, row: Table, name: str, key: str) -> frozenset[str]:
    return frozenset(reader.names(reader.required(row, name, key), f"{key}.{name}"))


def _dwelling(reader: TomlReader, row: Table, key: str) -> DwellingRow:
    reader.table(row, key, _META | {"land_limit_m2", "right_kinds", "residential_uses"})
    return DwellingRow(
        land_limit_m2=reader.integer(
            reader.required(row, "land_limit_m2", key), f"{key}.land_limit_m2"
        ),
        right_kinds=_names(reader, row, "right_kinds", key),
        residential_uses=_names(reader, row, "residential_uses", key),
        **_meta(reader, row, key),  # type: ignore[arg-type]
    )


def _other(reader: TomlReader, row: Table, key: str) -> OtherRealEstateRow:
    reader.table(row, key, _META | {"minimum_value", "right_kinds"})
    return OtherRealEstateRow(
        minimum_value=reader.money(
            reader.required(row, "minimum_value", key), f"{key}.minimum_value"
        ),
        right_kinds=_names(reader, row, "right_kinds", key),
        **_meta(reader, row, key),  # type: ignore[arg-type]
    )


_VEHICLE_SETS = ("counted_categories", "review_categories", "counted_roles", "counted_statuses")


def _vehicles(reader: TomlReader, row: Table, key: str) -> VehicleRow:
    reader.table(row, key, _META | {"limit", "limit_with_children", *_VEHICLE_SETS})
    sets = {name: _names(reader, row, name, key) for name in _VEHICLE_SETS}
    if sets["counted_categories"] & sets["review_categories"]:
        raise reader.fail(key, "a category is both counted and for review")
    return VehicleRow(
        limit=reader.integer(reader.required(row, "limit", key), f"{key}.limit"),
        limit_with_children=reader.integer(
            reader.required(row, "limit_with_children", key), f"{key}.limit_with_children"
        ),
        counted_categories=sets["counted_categories"],
        review_categories=sets["review_categories"],
        counted_roles=sets["counted_roles"],
        counted_statuses=sets["counted_statuses"],
        **_meta(reader, row, key),  # type: ignore[arg-type]
    )


def _enterprises(reader: TomlReader, row: Table, key: str) -> EnterpriseRow:
    reader.table(row, key, _META | {"review_roles", "review_statuses"})
    return EnterpriseRow(
        review_roles=_names(reader, row, "review_roles", key),
        review_statuses=_names(reader, row, "review_statuses", key),
        **_meta(reader, row, key),  # type: ignore[arg-type]
    )


_PARSERS: Mapping[str, Callable[[TomlReader, Table, str], object]] = {
    "dwelling": _dwelling,
    "other_real_estate": _other,
    "vehicles": _vehicles,
    "enterprises": _enterprises,
}


def _rows(reader: TomlReader, table: Table, rule: str, prefix: str) -> tuple[object, ...]:
    key = f"{prefix}{rule}"
    rows = [
        _PARSERS[rule](reader, row, f"{key}[{index}]")
        for index, row in enumerate(reader.tables(table.get(rule, []), key))
    ]
    dates = [row.in_force_from for row in rows]  # type: ignore[attr-defined]
    if len(set(dates)) != len(dates):
        raise reader.fail(key, "two rows are in force from the same date")
    return tuple(sorted(rows, key=lambda row: row.in_force_from))  # type: ignore[attr-defined]


def parse_property_rows(data: Table, source: str, prefix: str = "") -> PropertyRules:
    """Parse a table of the four rules' rows (``dwelling``, ``other_real_estate``,
    ``vehicles``, ``enterprises``; any may be missing) into :class:`PropertyRules`.

    Raises:
        ConfigError: naming the key (``prefix`` + the rule's key path) and ``source``.
    """
    reader = TomlReader(source)
    reader.table(data, prefix.rstrip(".") or "(top level)", set(_RULES))
    parsed = {rule: _rows(reader, data, rule, prefix) for rule in _RULES}
    return PropertyRules(**parsed)  # type: ignore[arg-type]


def parse_property_file(data: Table, source: str) -> PropertyRules:
    """Parse ``property.toml``: the national rows (every rule needs one) and the
    ``[municipalities."<ATVK>"]`` tables of own rows.

    Raises:
        ConfigError: naming the key and ``source``.
    """
    reader = TomlReader(source)
    reader.table(data, "(top level)", {*_RULES, "municipalities"})
    national = parse_property_rows({k: v for k, v in data.items() if k != "municipalities"}, source)
    for rule in _RULES:
        if not getattr(national, rule):
            raise reader.fail(rule, "needs at least one row")
    municipal = {}
    for atvk, table in reader.table(data.get("municipalities", {}), "municipalities").items():
        reader.atvk(atvk, f'municipalities."{atvk}"')
        municipal[atvk] = parse_property_rows(
            reader.table(table, f'municipalities."{atvk}"'),
            source,
            prefix=f'municipalities."{atvk}".',
        )
    return dataclasses.replace(national, municipal=municipal)


def with_municipal_property_rows(
    rules: PropertyRules, atvk: str, own: PropertyRules
) -> PropertyRules:
    """``rules`` with a municipality's own rows merged in (a row for the same rule and date
    replaces the one there)."""
    current = rules.municipal.get(atvk, PropertyRules())
    merged: dict[str, Any] = {}
    for rule in _RULES:
        by_date = {row.in_force_from: row for row in getattr(current, rule)}
        by_date.update({row.in_force_from: row for row in getattr(own, rule)})
        merged[rule] = tuple(by_date[day] for day in sorted(by_date))
    own_rules = PropertyRules(
        merged["dwelling"], merged["other_real_estate"], merged["vehicles"], merged["enterprises"]
    )
    municipal = {**rules.municipal, atvk: own_rules}
    return dataclasses.replace(rules, municipal=municipal)
