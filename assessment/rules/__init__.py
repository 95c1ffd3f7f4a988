"""The assessment's rules as data: thresholds, income types, coefficients, ages.

``national.toml`` holds the national parameters of ``assessment.md`` (§2 income types, §3
thresholds, the minimum wage and pension age by year, §4 savings limit and validity, §5
coefficients and housing expense types, §6 category facts); ``municipalities.toml`` holds
each municipality's low-income rows and optional housing norms. A new year is a new row in
one of these files. An operator's own municipality rows (from the application config) are
merged over the packaged ones with :func:`load_rules`.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from importlib import resources

from tilts.assessment.rules.loading import (
    parse_municipalities,
    parse_municipality_rows,
    parse_national,
)
from tilts.assessment.rules.property_loading import (
    parse_property_file,
    parse_property_rows,
    with_municipal_property_rows,
)
from tilts.assessment.rules.property_tables import (
    DwellingRow,
    EnterpriseRow,
    OtherRealEstateRow,
    PropertyRowsInForce,
    PropertyRules,
    VehicleRow,
)
from tilts.assessment.rules.tables import (
    CategoryRules,
    GmiBenefitRules,
    HouseholdType,
    HousingBenefitRules,
    HousingCoefficientRow,
    HousingNormRow,
    IncomeRules,
    MinimumWageRow,
    MunicipalityThresholdRow,
    NationalThresholdRow,
    PensionAgeRow,
    Rate,
    Rules,
    SavingsLimitRow,
    StatusRules,
)
from tilts.kernel.errors import ConfigError

__all__ = [
    "CategoryRules",
    "DwellingRow",
    "EnterpriseRow",
    "GmiBenefitRules",
    "HouseholdType",
    "HousingBenefitRules",
    "HousingCoefficientRow",
    "HousingNormRow",
    "IncomeRules",
    "MinimumWageRow",
    "MunicipalityThresholdRow",
    "NationalThresholdRow",
    "OtherRealEstateRow",
    "PensionAgeRow",
    "PropertyRowsInForce",
    "PropertyRules",
    "Rate",
    "Rules",
    "SavingsLimitRow",
    "StatusRules",
    "VehicleRow",
    "default_rules",
    "load_rules",
    "parse_municipality_rows",
    "parse_property_rows",
]


def _read_packaged(name: str) -> dict[str, object]:
    text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    try:
        # Floats as Decimal, so that a threshold written as 87.50 stays exact.
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"assessment/rules/{name}: not valid TOML: {exc}") from exc


def _check_municipality_row(row: MunicipalityThresholdRow, rules: Rules, origin: str) -> None:
    """A municipality's threshold lies between the poor threshold and the national ceiling.

    ``assessment.md`` §3: "Each municipality sets its own low-income threshold between the poor
    threshold and the national ceiling" — checked against the national row in force on the
    row's own first day, so a mistyped figure is refused when loaded, not at a decision.
    """
    where = f"{origin}: municipality {row.atvk} row from {row.in_force_from}"
    national = rules.national_row_on(row.in_force_from)
    if national is None:
        raise ConfigError(f"{where}: starts before the first national threshold row")
    for part in ("first", "other"):
        value = getattr(row.low_income, part)
        low, high = getattr(national.poor, part), getattr(national.low_income_ceiling, part)
        if not low <= value <= high:
            raise ConfigError(
                f"{where}: low_income.{part} {value} is outside the poor threshold {low} and "
                f"the national ceiling {high} in force then"
            )
    unknown = sorted(set(row.housing_norms) - set(rules.housing_benefit.expense_types))
    if unknown:
        raise ConfigError(f"{where}: housing_norms: unknown housing expense type {unknown[0]}")


def _with_municipality_rows(
    rules: Rules, rows: Iterable[MunicipalityThresholdRow], origin: str, replace: bool
) -> Rules:
    merged = {
        atvk: {row.in_force_from: row for row in rws} for atvk, rws in rules.municipalities.items()
    }
    names = dict(rules.municipality_names)
    seen: set[tuple[str, object]] = set()
    for row in rows:
        _check_municipality_row(row, rules, origin)
        key = (row.atvk, row.in_force_from)
        if key in seen or (not replace and row.in_force_from in merged.get(row.atvk, {})):
            raise ConfigError(
                f"{origin}: municipality {row.atvk} has two rows in force from {row.in_force_from}"
            )
        seen.add(key)
        merged.setdefault(row.atvk, {})[row.in_force_from] = row
        if row.name:
            names[row.atvk] = row.name
    municipalities = {
        atvk: tuple(by_date[day] for day in sorted(by_date)) for atvk, by_date in merged.items()
    }
    return dataclasses.replace(rules, municipalities=municipalities, municipality_names=names)


def _with_coefficient_rows(
    rules: Rules, rows: Iterable[HousingCoefficientRow], origin: str
) -> Rules:
    """Add municipalities' own coefficient rows (a row for the same ATVK and date replaces)."""
    merged = {
        atvk: {row.in_force_from: row for row in rws}
        for atvk, rws in rules.municipal_coefficients.items()
    }
    for row in rows:
        if not row.atvk:
            raise ConfigError(f"{origin}: a municipal coefficient row needs its ATVK")
        merged.setdefault(row.atvk, {})[row.in_force_from] = row
    return dataclasses.replace(
        rules,
        municipal_coefficients={
            atvk: tuple(by_date[day] for day in sorted(by_date)) for atvk, by_date in merged.items()
        },
    )


@functools.cache
def _packaged_rules() -> Rules:
    base = parse_national(_read_packaged("national.toml"), "assessment/rules/national.toml")
    origin = "assessment/rules/municipalities.toml"
    packaged, coefficients = parse_municipalities(_read_packaged("municipalities.toml"), origin)
    rules = _with_municipality_rows(base, packaged, origin, replace=False)
    rules = _with_coefficient_rows(rules, coefficients, origin)
    property_rules = parse_property_file(
        _read_packaged("property.toml"), "assessment/rules/property.toml"
    )
    return dataclasses.replace(rules, property=property_rules)


def default_rules() -> Rules:
    """The packaged rules (national parameters and the demo municipalities), loaded once."""
    return _packaged_rules()


def load_rules(
    extra_municipality_rows: Iterable[MunicipalityThresholdRow] = (),
    *,
    origin: str = "municipality configuration",
    extra_coefficient_rows: Iterable[HousingCoefficientRow] = (),
    housing_norm_rows: Iterable[HousingNormRow] = (),
    extra_property_rows: Mapping[str, PropertyRules] | None = None,
) -> Rules:
    """The packaged rules with an operator's municipality rows merged over them.

    A row for a municipality and date that the packaged file also has replaces the packaged
    row; a new ATVK code adds a municipality. Every row is checked to lie between the poor
    threshold and the national ceiling in force on its first day.

    Args:
        extra_municipality_rows: rows from the application config (see
            :func:`parse_municipality_rows` for the TOML shape).
        origin: where the rows came from, for error messages (e.g. the config file's path).
        extra_coefficient_rows: municipalities' own housing-coefficient rows (``atvk`` set);
            the larger of the national and the municipal K applies (§5).
        housing_norm_rows: national housing-expense norm rows (MK 809 annex 3) replacing the
            packaged ones (none are packaged).
        extra_property_rows: municipalities' own property-test rows by ATVK (parsed with
            :func:`parse_property_rows`); a row for the same rule and date replaces the
            packaged one, and a municipality's row in force replaces the national one
            (``property.md`` §8).

    Returns:
        The merged rules.

    Raises:
        ConfigError: a row is out of bounds, duplicated, or names an unknown expense type.
    """
    rows = tuple(extra_municipality_rows)
    coefficients = tuple(extra_coefficient_rows)
    norms = tuple(sorted(housing_norm_rows, key=lambda row: row.in_force_from))
    rules = default_rules()
    if rows:
        rules = _with_municipality_rows(rules, rows, origin, replace=True)
    if coefficients:
        rules = _with_coefficient_rows(rules, coefficients, origin)
    if norms:
        unknown = sorted(
            {kind for row in norms for kind in row.norms} - set(rules.housing_benefit.expense_types)
        )
        if unknown:
            raise ConfigError(f"{origin}: housing_norms: unknown housing expense type {unknown[0]}")
        rules = dataclasses.replace(rules, housing_norms=norms)
    property_rules = rules.property
    for atvk, own in (extra_property_rows or {}).items():
        property_rules = with_municipal_property_rows(property_rules, atvk, own)
    if property_rules is not rules.property:
        rules = dataclasses.replace(rules, property=property_rules)
    return rules
