"""Reading rule tables from TOML data, with errors that name the key and the file.

Unknown keys are errors (a typo in a threshold must never be silently ignored,
``operations.md`` §4); see :class:`~assessment.rules.toml_reader.TomlReader` for the values.
"""

from __future__ import annotations

from typing import TypeVar

from tilts.assessment.rules.dated import (
    coefficient_rows,
    norm_rows,
    required_source,
    savings_rows,
)
from tilts.assessment.rules.tables import (
    CategoryRules,
    GmiBenefitRules,
    HousingBenefitRules,
    HousingCoefficientRow,
    IncomeRules,
    MinimumWageRow,
    MunicipalityThresholdRow,
    NationalThresholdRow,
    PensionAgeRow,
    Rules,
    StatusRules,
)
from tilts.assessment.rules.toml_reader import Table, TomlReader

_RowT = TypeVar("_RowT", NationalThresholdRow, MinimumWageRow, PensionAgeRow)


def _sorted_rows(reader: TomlReader, rows: list[_RowT], key: str) -> tuple[_RowT, ...]:
    dates = [row.in_force_from for row in rows]
    if not rows:
        raise reader.fail(key, "needs at least one row")
    if len(set(dates)) != len(dates):
        raise reader.fail(key, "two rows are in force from the same date")
    return tuple(sorted(rows, key=lambda row: row.in_force_from))


_ROW_META = {"from", "source", "modelled"}


def _national_rows(reader: TomlReader, data: Table) -> tuple[NationalThresholdRow, ...]:
    rows = []
    for index, row in enumerate(
        reader.tables(reader.required(data, "thresholds", ""), "thresholds")
    ):
        key = f"thresholds[{index}]"
        reader.table(row, key, _ROW_META | {"gmi", "poor", "low_income_ceiling"})
        rows.append(
            NationalThresholdRow(
                in_force_from=reader.date(reader.required(row, "from", key), f"{key}.from"),
                gmi=reader.rate(reader.required(row, "gmi", key), f"{key}.gmi"),
                poor=reader.rate(reader.required(row, "poor", key), f"{key}.poor"),
                low_income_ceiling=reader.rate(
                    reader.required(row, "low_income_ceiling", key), f"{key}.low_income_ceiling"
                ),
                source=required_source(reader, row, key),
                modelled=reader.flag(row.get("modelled", False), f"{key}.modelled"),
            )
        )
    return _sorted_rows(reader, rows, "thresholds")


def _minimum_wage_rows(reader: TomlReader, data: Table) -> tuple[MinimumWageRow, ...]:
    rows = []
    for index, row in enumerate(
        reader.tables(reader.required(data, "minimum_wage", ""), "minimum_wage")
    ):
        key = f"minimum_wage[{index}]"
        reader.table(row, key, _ROW_META | {"amount"})
        rows.append(
            MinimumWageRow(
                in_force_from=reader.date(reader.required(row, "from", key), f"{key}.from"),
                amount=reader.money(reader.required(row, "amount", key), f"{key}.amount"),
                source=required_source(reader, row, key),
                modelled=reader.flag(row.get("modelled", False), f"{key}.modelled"),
            )
        )
    return _sorted_rows(reader, rows, "minimum_wage")


def _pension_age_rows(reader: TomlReader, data: Table) -> tuple[PensionAgeRow, ...]:
    rows = []
    for index, row in enumerate(
        reader.tables(reader.required(data, "pension_age", ""), "pension_age")
    ):
        key = f"pension_age[{index}]"
        reader.table(row, key, _ROW_META | {"years", "months"})
        months = reader.integer(reader.required(row, "months", key), f"{key}.months")
        if months > 11:
            raise reader.fail(f"{key}.months", "must be 0 to 11")
        rows.append(
            PensionAgeRow(
                in_force_from=reader.date(reader.required(row, "from", key), f"{key}.from"),
                years=reader.integer(reader.required(row, "years", key), f"{key}.years", 1),
                months=months,
                source=required_source(reader, row, key),
                modelled=reader.flag(row.get("modelled", False), f"{key}.modelled"),
            )
        )
    return _sorted_rows(reader, rows, "pension_age")


def _income_rules(reader: TomlReader, data: Table) -> IncomeRules:
    income = reader.table(
        reader.required(data, "income", ""),
        "income",
        {"child_age", "irregular_spread_months", "vid", "vsaa", "declared", "nva"},
    )
    nva = reader.table(
        reader.required(income, "nva", "income"), "income.nva", {"counted", "excluded"}
    )
    vid = reader.table(
        reader.required(income, "vid", "income"),
        "income.vid",
        {"counted", "excluded", "child_work"},
    )
    vsaa = reader.table(
        reader.required(income, "vsaa", "income"), "income.vsaa", {"counted", "excluded"}
    )
    declared_keys = {"counted", "spread", "exempt_up_to_minimum_wage", "excluded"}
    declared = reader.table(
        reader.required(income, "declared", "income"), "income.declared", declared_keys
    )

    def names(table: Table, name: str, key: str) -> frozenset[str]:
        return frozenset(reader.names(reader.required(table, name, key), f"{key}.{name}"))

    rules = IncomeRules(
        child_age=reader.integer(
            reader.required(income, "child_age", "income"), "income.child_age", 1
        ),
        irregular_spread_months=reader.integer(
            reader.required(income, "irregular_spread_months", "income"),
            "income.irregular_spread_months",
            1,
        ),
        vid_counted=names(vid, "counted", "income.vid"),
        vid_excluded=names(vid, "excluded", "income.vid"),
        vid_child_work=names(vid, "child_work", "income.vid"),
        vsaa_counted=names(vsaa, "counted", "income.vsaa"),
        vsaa_excluded=names(vsaa, "excluded", "income.vsaa"),
        declared_counted=names(declared, "counted", "income.declared"),
        declared_spread=names(declared, "spread", "income.declared"),
        declared_exempt_up_to_minimum_wage=names(
            declared, "exempt_up_to_minimum_wage", "income.declared"
        ),
        declared_excluded=names(declared, "excluded", "income.declared"),
        nva_counted=names(nva, "counted", "income.nva"),
    )
    if rules.nva_counted & names(nva, "excluded", "income.nva"):
        raise reader.fail("income.nva", "a type is listed in more than one group")
    # A type listed both as counted and as excluded would make the result depend on the order
    # of checks; refuse it instead.
    groups = {
        "income.vid": [rules.vid_counted, rules.vid_excluded],
        "income.vsaa": [rules.vsaa_counted, rules.vsaa_excluded],
        "income.declared": [
            rules.declared_counted,
            rules.declared_spread,
            rules.declared_exempt_up_to_minimum_wage,
            rules.declared_excluded,
        ],
    }
    for key, sets in groups.items():
        if sum(len(s) for s in sets) != len(frozenset().union(*sets)):
            raise reader.fail(key, "a type is listed in more than one group")
    if not rules.vid_child_work <= rules.vid_counted:
        raise reader.fail("income.vid.child_work", "must list counted VID types only")
    return rules


def _int_in(reader: TomlReader, table: Table, name: str, key: str) -> int:
    return reader.integer(reader.required(table, name, key), f"{key}.{name}", 1)


def parse_national(data: Table, source: str) -> Rules:
    """Parse the national rules file into :class:`Rules` without municipalities.

    Raises:
        ConfigError: naming the key and ``source`` for any missing, unknown or bad value.
    """
    reader = TomlReader(source)
    reader.table(
        data,
        "(top level)",
        {"thresholds", "minimum_wage", "pension_age", "income", "status", "gmi_benefit"}
        | {"housing_benefit", "categories", "housing_coefficients", "savings_limit"}
        | {"housing_norms"},
    )
    status = reader.table(
        reader.required(data, "status", ""),
        "status",
        {"validity_months_none_able_to_work", "validity_months_otherwise"},
    )
    gmi = reader.table(
        reader.required(data, "gmi_benefit", ""),
        "gmi_benefit",
        {"months_none_able_to_work", "months_otherwise"},
    )
    housing = reader.table(
        reader.required(data, "housing_benefit", ""),
        "housing_benefit",
        {"expense_types", "education_child_age"},
    )
    categories = reader.table(
        reader.required(data, "categories", ""),
        "categories",
        {"public_works_measures", "parental_leave_benefits", "employment_income_types"},
    )

    expense_types = reader.names(
        reader.required(housing, "expense_types", "housing_benefit"),
        "housing_benefit.expense_types",
    )

    def category_names(name: str) -> frozenset[str]:
        return frozenset(
            reader.names(reader.required(categories, name, "categories"), f"categories.{name}")
        )

    return Rules(
        thresholds=_national_rows(reader, data),
        minimum_wage=_minimum_wage_rows(reader, data),
        pension_age=_pension_age_rows(reader, data),
        income=_income_rules(reader, data),
        status=StatusRules(
            validity_months_none_able_to_work=_int_in(
                reader, status, "validity_months_none_able_to_work", "status"
            ),
            validity_months_otherwise=_int_in(
                reader, status, "validity_months_otherwise", "status"
            ),
        ),
        gmi_benefit=GmiBenefitRules(
            months_none_able_to_work=_int_in(
                reader, gmi, "months_none_able_to_work", "gmi_benefit"
            ),
            months_otherwise=_int_in(reader, gmi, "months_otherwise", "gmi_benefit"),
        ),
        housing_benefit=HousingBenefitRules(
            expense_types=expense_types,
            education_child_age=_int_in(reader, housing, "education_child_age", "housing_benefit"),
        ),
        categories=CategoryRules(
            public_works_measures=category_names("public_works_measures"),
            parental_leave_benefits=category_names("parental_leave_benefits"),
            employment_income_types=category_names("employment_income_types"),
        ),
        municipalities={},
        municipality_names={},
        housing_coefficients=coefficient_rows(
            reader,
            reader.required(data, "housing_coefficients", ""),
            "housing_coefficients",
        ),
        savings_limits=savings_rows(
            reader, reader.required(data, "savings_limit", ""), "savings_limit"
        ),
        housing_norms=norm_rows(
            reader, data.get("housing_norms", []), "housing_norms", expense_types
        ),
    )


def parse_municipality_rows(
    atvk: str,
    rows: object,
    source: str,
    key: str,
    name: str = "",
    *,
    require_source: bool = False,
) -> tuple[MunicipalityThresholdRow, ...]:
    """Parse one municipality's array of rows (``[[municipalities."<ATVK>".rows]]``).

    Each row: ``from`` (date), ``low_income`` (``{first, other}``), optional
    ``housing_norms`` (expense type → ``{first, other}``), ``source``, ``modelled``. The
    application config can reuse this shape for an operator's own thresholds. Every row names
    where it comes from: with ``require_source`` (the packaged file) a row without a
    ``source`` is an error; otherwise such a row's source is the file and key it was read from
    (an operator's row in ``tilts.toml``). A blank ``source`` is always an error.

    Raises:
        ConfigError: naming the key and ``source``.
    """
    reader = TomlReader(source)
    reader.atvk(atvk, key)
    parsed = []
    for index, row in enumerate(reader.tables(rows, key)):
        row_key = f"{key}[{index}]"
        reader.table(row, row_key, _ROW_META | {"low_income", "housing_norms"})
        norms_table = reader.table(row.get("housing_norms", {}), f"{row_key}.housing_norms")
        norms = {
            str(kind): reader.rate(value, f"{row_key}.housing_norms.{kind}")
            for kind, value in norms_table.items()
        }
        parsed.append(
            MunicipalityThresholdRow(
                atvk=atvk,
                in_force_from=reader.date(reader.required(row, "from", row_key), f"{row_key}.from"),
                low_income=reader.rate(
                    reader.required(row, "low_income", row_key), f"{row_key}.low_income"
                ),
                housing_norms=norms,
                name=name,
                source=(
                    required_source(reader, row, row_key)
                    if require_source or "source" in row
                    else f"{source}, {row_key}"
                ),
                modelled=reader.flag(row.get("modelled", False), f"{row_key}.modelled"),
            )
        )
    return tuple(parsed)


def parse_municipalities(
    data: Table, source: str
) -> tuple[tuple[MunicipalityThresholdRow, ...], tuple[HousingCoefficientRow, ...]]:
    """Parse a ``[municipalities."<ATVK>"]`` file: ``name``, ``rows`` and optional
    ``housing_coefficients`` (the municipality's own, higher K rows) per municipality.

    Raises:
        ConfigError: naming the key and ``source``.
    """
    reader = TomlReader(source)
    reader.table(data, "(top level)", {"municipalities"})
    municipalities = reader.table(data.get("municipalities", {}), "municipalities")
    rows: list[MunicipalityThresholdRow] = []
    coefficients: list[HousingCoefficientRow] = []
    for atvk, value in municipalities.items():
        key = f'municipalities."{atvk}"'
        table = reader.table(value, key, {"name", "rows", "housing_coefficients"})
        coefficients.extend(
            coefficient_rows(
                reader,
                table.get("housing_coefficients", []),
                f"{key}.housing_coefficients",
                atvk=str(atvk),
            )
        )
        name = reader.text(table.get("name", ""), f"{key}.name")
        rows.extend(
            parse_municipality_rows(
                atvk,
                reader.required(table, "rows", key),
                source,
                f"{key}.rows",
                name,
                require_source=True,
            )
        )
    return tuple(rows), tuple(coefficients)
