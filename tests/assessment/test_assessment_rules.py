"""The rules as data: the packaged TOML files, row lookup, and operator municipality rows."""

from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal

import pytest

from tilts.assessment.money import format_amount, format_factor, parse_amount, to_cents
from tilts.assessment.periods import Month, add_months, months_before
from tilts.assessment.rules import (
    MunicipalityThresholdRow,
    Rate,
    default_rules,
    load_rules,
    parse_municipality_rows,
)
from tilts.kernel.errors import ConfigError

D = Decimal
OGRE = "0040000"


@pytest.mark.parametrize(
    ("day", "expected_from"),
    [
        ("2021-01-01", "2021-01-01"),
        ("2023-06-30", "2021-01-01"),
        ("2023-07-01", "2023-07-01"),
        ("2025-12-31", "2025-01-01"),
        ("2026-01-01", "2026-01-01"),
        ("2030-05-05", "2026-01-01"),
    ],
)
def test_national_row_on(day: str, expected_from: str) -> None:
    row = default_rules().national_row_on(dt.date.fromisoformat(day))
    assert row is not None and row.in_force_from == dt.date.fromisoformat(expected_from)


def test_no_national_row_before_2021() -> None:
    assert default_rules().national_row_on(dt.date(2020, 12, 31)) is None


def test_thresholds_table_of_the_spec() -> None:
    rows = default_rules().thresholds
    table = [
        (r.in_force_from.isoformat(), r.gmi.first, r.gmi.other, r.poor.first, r.poor.other)
        + (r.low_income_ceiling.first, r.low_income_ceiling.other)
        for r in rows
    ]
    assert table == [
        ("2021-01-01", D(109), D(76), D(272), D(190), D(436), D(305)),
        ("2023-07-01", D(125), D("87.5"), D(313), D(219), D(501), D(351)),
        ("2024-01-01", D(137), D(96), D(343), D(240), D(549), D(384)),
        ("2025-01-01", D(166), D(116), D(377), D(264), D(604), D(423)),
        ("2026-01-01", D(187), D(131), D(425), D(298), D(680), D(476)),
    ]


@pytest.mark.parametrize(
    ("month", "wage"), [(Month(2024, 12), "700"), (Month(2025, 1), "740"), (Month(2026, 6), "780")]
)
def test_minimum_wage_by_month(month: Month, wage: str) -> None:
    row = default_rules().minimum_wage_on(month.first_day)
    assert row is not None and row.amount == D(wage)


def test_municipality_names_and_first_rows() -> None:
    rules = default_rules()
    assert rules.municipality_name(OGRE) == "Ogres novads"
    assert rules.municipality_name("0051000") == "Tukuma novads"
    assert rules.municipality_row_on(OGRE, dt.date(2023, 12, 31)) is None
    assert rules.municipality_row_on("0051000", dt.date(2023, 7, 1)) is not None
    assert rules.municipality_row_on("1234567", dt.date(2026, 1, 1)) is None


def test_household_rate() -> None:
    assert Rate(D("125.00"), D("87.50")).for_household(3) == D("300.00")


def test_operator_rows_add_a_municipality_and_keep_the_packaged_ones() -> None:
    rows = parse_municipality_rows(
        "0800000",
        [{"from": dt.date(2026, 1, 1), "low_income": {"first": 500, "other": "350.00"}}],
        source="tilts.toml",
        key="municipality.rows",
        name="Jauns novads",
    )
    rules = load_rules(rows, origin="tilts.toml")
    row = rules.municipality_row_on("0800000", dt.date(2026, 2, 1))
    assert row is not None and row.low_income == Rate(D(500), D(350))
    assert rules.municipality_name("0800000") == "Jauns novads"
    assert rules.municipality_row_on(OGRE, dt.date(2026, 2, 1)) is not None
    assert default_rules().municipality_row_on("0800000", dt.date(2026, 2, 1)) is None


def test_operator_row_with_housing_norms() -> None:
    (row,) = parse_municipality_rows(
        OGRE,
        [
            {
                "from": "2026-01-01",
                "low_income": {"first": "595.00", "other": "416.00"},
                "housing_norms": {"HEATING": {"first": "60.00", "other": "20.00"}},
            }
        ],
        source="tilts.toml",
        key="rows",
    )
    assert row.housing_norms["HEATING"].for_household(3) == D("100.00")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            MunicipalityThresholdRow(OGRE, dt.date(2026, 1, 1), Rate(D(700), D(416))),
            "outside the poor threshold",
        ),
        (
            MunicipalityThresholdRow(OGRE, dt.date(2026, 1, 1), Rate(D(400), D(300))),
            "outside the poor threshold",
        ),
        (
            MunicipalityThresholdRow(OGRE, dt.date(2020, 1, 1), Rate(D(400), D(300))),
            "before the first national threshold row",
        ),
        (
            MunicipalityThresholdRow(
                OGRE,
                dt.date(2026, 1, 1),
                Rate(D(595), D(416)),
                housing_norms={"POOL": Rate(D(1), D(0))},
            ),
            "unknown housing expense type",
        ),
    ],
)
def test_bad_operator_rows_are_config_errors(row: MunicipalityThresholdRow, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_rules([row], origin="tilts.toml")


def test_two_operator_rows_for_the_same_date_are_refused() -> None:
    row = MunicipalityThresholdRow(OGRE, dt.date(2026, 1, 1), Rate(D(595), D(416)))
    with pytest.raises(ConfigError, match="two rows"):
        load_rules([row, row])


@pytest.mark.parametrize(
    ("rows", "key"),
    [
        ([{"from": "2026-01-01"}], "rows[0].low_income: is required"),
        ([{"from": "2026-01-01", "low_income": {"first": "1.234", "other": "1"}}], "first"),
        ([{"from": "someday", "low_income": {"first": "1", "other": "1"}}], "rows[0].from"),
        ([{"from": "2026-01-01", "low_incme": {}}], "rows[0].low_incme: unknown key"),
        # Decimal() reads other scripts' digits; an operator's amount is ASCII only
        ([{"from": "2026-01-01", "low_income": {"first": "٤٠٠", "other": "1"}}], "first"),
        ([{"from": "2026-01-01", "low_income": {"first": "1", "other": "４００"}}], "other"),
    ],
)
def test_operator_row_errors_name_the_key_and_file(rows: list[object], key: str) -> None:
    with pytest.raises(ConfigError, match=r"^tilts\.toml: ") as caught:
        parse_municipality_rows(OGRE, rows, source="tilts.toml", key="rows")
    assert key in str(caught.value)


# ASCII digits only: str.isdigit() also takes Arabic-Indic and full-width digits
@pytest.mark.parametrize(
    "atvk", ["40000", "\u0660\u0660\u0664\u0660\u0660\u0660\u0660", "００４００００"]
)
def test_atvk_must_have_seven_digits(atvk: str) -> None:
    with pytest.raises(ConfigError, match="7 digits"):
        parse_municipality_rows(atvk, [], source="tilts.toml", key="rows")


def test_packaged_files_are_valid_toml_with_sources() -> None:
    from importlib import resources

    for name in ("national.toml", "municipalities.toml"):
        text = resources.files("tilts.assessment.rules").joinpath(name).read_text(encoding="utf-8")
        data = tomllib.loads(text)
        assert data
    # issue 16: every rule row names its source — each dated row of every table, as loaded
    rules = default_rules()
    municipal = [row for rows in rules.municipalities.values() for row in rows]
    own_k = [row for rows in rules.municipal_coefficients.values() for row in rows]
    prop = rules.property
    tables: dict[str, tuple[object, ...]] = {
        "thresholds": rules.thresholds,
        "minimum_wage": rules.minimum_wage,
        "pension_age": rules.pension_age,
        "municipalities.rows": tuple(municipal),
        "housing_coefficients": rules.housing_coefficients,
        "municipalities.housing_coefficients": tuple(own_k),
        "savings_limit": rules.savings_limits,
        "housing_norms": rules.housing_norms,
        "property": (*prop.dwelling, *prop.other_real_estate, *prop.vehicles, *prop.enterprises),
    }
    for table, rows in tables.items():
        for row in rows:
            assert str(getattr(row, "source", "")).strip(), (table, row)
    assert len(rules.thresholds) == 5 and len(municipal) == 8
    assert len(rules.housing_coefficients) == 8 and len(rules.savings_limits) == 2


def _national_data() -> dict[str, object]:
    from importlib import resources

    text = resources.files("tilts.assessment.rules").joinpath("national.toml").read_text("utf-8")
    return tomllib.loads(text, parse_float=D)


@pytest.mark.parametrize("table", ["thresholds", "minimum_wage", "pension_age"])
@pytest.mark.parametrize("source", [None, "  "])
def test_a_national_row_without_a_source_is_refused(table: str, source: str | None) -> None:
    from tilts.assessment.rules.loading import parse_national

    data = _national_data()
    rows = data[table]
    assert isinstance(rows, list)
    if source is None:
        del rows[0]["source"]
    else:
        rows[0]["source"] = source
    with pytest.raises(ConfigError, match=rf"national\.toml.*{table}\[0\]"):
        parse_national(data, "national.toml")


def test_a_packaged_municipality_row_needs_a_source_an_operators_row_names_its_key() -> None:
    from tilts.assessment.rules.loading import parse_municipalities

    row = {"from": "2026-01-01", "low_income": {"first": "595.00", "other": "416.00"}}
    with pytest.raises(ConfigError, match=r"rows\[0\]\.source"):
        parse_municipalities({"municipalities": {OGRE: {"rows": [row]}}}, "municipalities.toml")
    with pytest.raises(ConfigError, match=r"rows\[0\]\.source"):
        parse_municipality_rows(OGRE, [{**row, "source": " "}], source="tilts.toml", key="rows")
    (configured,) = parse_municipality_rows(
        "0800000", [row], source="tilts.toml", key="municipalities.new.low_income_thresholds"
    )
    assert configured.source == "tilts.toml, municipalities.new.low_income_thresholds[0]"
    (sourced,) = parse_municipality_rows(
        OGRE, [{**row, "source": "Ogre's binding regulations"}], source="tilts.toml", key="rows"
    )
    assert sourced.source == "Ogre's binding regulations"


# --- money and periods -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["12.345", "abc", "-1.00", "1e3", "NaN", "", " 1.00", "1.", ".5", "٤٠٠.٠٠", "４００", "1.00\n"],
)
def test_malformed_amounts(text: str) -> None:
    with pytest.raises(ValueError, match="euro amount"):
        parse_amount(text)


@pytest.mark.parametrize(("text", "value"), [("0", "0"), ("12.3", "12.3"), ("12.34", "12.34")])
def test_amounts(text: str, value: str) -> None:
    assert parse_amount(text) == D(value)


@pytest.mark.parametrize(
    ("value", "cents"),
    [("0.005", "0.01"), ("0.004", "0.00"), ("2.675", "2.68"), ("-0.004", "0.00"), ("10", "10.00")],
)
def test_rounding_half_up(value: str, cents: str) -> None:
    assert format_amount(to_cents(D(value))) == cents


def test_factor_format() -> None:
    assert [format_factor(D(v)) for v in ("1.5", "2", "2.0", "2.50")] == ["1.5", "2", "2", "2.5"]


def test_months_before_crosses_the_year() -> None:
    assert [str(m) for m in months_before(dt.date(2026, 2, 28), 3)] == [
        "2025-11",
        "2025-12",
        "2026-01",
    ]


def test_add_months_clamps() -> None:
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert Month.parse("2026-02").last_day == dt.date(2026, 2, 28)
    with pytest.raises(ValueError, match="YYYY-MM"):
        Month.parse("2026-2")


@pytest.mark.parametrize("text", ["٢٠٢٦-08", "２０２６-０８", "2026-0٨", "2026-08\n"])
def test_months_are_ascii_digits_only(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        Month.parse(text)


def test_national_norms_and_a_municipalitys_own_k_are_read_from_toml() -> None:
    """Issue 16: national expense norms are configurable rows (``[[housing_norms]]`` in
    national.toml) and a municipality's own K rows (``housing_coefficients`` beside its
    ``rows``) may name only the household types it raises."""
    from tilts.assessment.rules import HouseholdType
    from tilts.assessment.rules.loading import parse_municipalities, parse_national

    data = _national_data()
    data["housing_norms"] = [
        {"from": dt.date(2026, 1, 1), "source": "MK 809 annex 3 (test)",
         "norms": {"ELECTRICITY": {"first": "30.00", "other": "10.00"}}},
    ]  # fmt: skip
    (norm,) = parse_national(data, "national.toml").housing_norms
    assert (norm.in_force_from, norm.norms["ELECTRICITY"].for_household(2)) == (
        dt.date(2026, 1, 1), D("40.00"))  # fmt: skip
    data["housing_norms"][0]["norms"] = {"POOL": {"first": "1", "other": "1"}}  # type: ignore[index]
    with pytest.raises(ConfigError, match=r"housing_norms\[0\]\.norms\.POOL"):
        parse_national(data, "national.toml")
    own = {"from": dt.date(2026, 1, 1), "other": "2", "source": "Ogre's regulations (test)"}
    row = {"from": "2026-01-01", "low_income": {"first": "595.00", "other": "416.00"},
           "source": "test"}  # fmt: skip
    table = {OGRE: {"rows": [row], "housing_coefficients": [own]}}
    _, (k,) = parse_municipalities({"municipalities": table}, "municipalities.toml")
    assert (k.atvk, dict(k.coefficients)) == (OGRE, {HouseholdType.OTHER: D("2")})
    del own["source"]
    with pytest.raises(ConfigError, match=r"housing_coefficients\[0\]\.source"):
        parse_municipalities({"municipalities": table}, "municipalities.toml")
