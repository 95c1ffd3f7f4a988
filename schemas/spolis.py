"""pandera models of the SPOLIS reports Tilts sends (spolis.md §3, §4).

They apply the ministry's own consistency rules before anything is sent, so a report SPOLIS
would reject is caught here and never leaves: every indicator present exactly once with its
unit, whole numbers of persons and households, nothing negative, EUR with two decimals, persons
not fewer than households in a group, the period not in the future; for the annual rows also
the six categories adding up to the persons and women + men + children too (spolis.md §4),
the "of which" counts not above what they are part of (children with a disability, public
works among the working-age adults, Ukrainian civilians among the persons), the ``ALL`` row not
below any benefit row, and the status rows without euros. Each frame row carries the period
and the day the report is built for (``asOf``), so the period check is a row check like the
others.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from tilts.kernel.spolis_indicators import INDICATORS
from tilts.schemas.common import MONTH

#: persons indicator → the households indicator of the same group (persons may not be fewer).
PERSONS_OF_HOUSEHOLDS = {
    code.replace("HOUSEHOLDS", "PERSONS"): code
    for code in INDICATORS
    if "HOUSEHOLDS" in code and code.replace("HOUSEHOLDS", "PERSONS") in INDICATORS
}
ANNUAL_KINDS = (
    "BENEFIT_GMI",
    "BENEFIT_HOUSING",
    "BENEFIT_HEALTH",
    "BENEFIT_EDUCATION",
    "BENEFIT_CRISIS",
    "BENEFIT_OTHER",
    "ALL",
    "STATUS_POOR",
    "STATUS_LOW_INCOME",
)
STATUS_ROWS = ("STATUS_POOR", "STATUS_LOW_INCOME")
#: The annual fields of the six person categories, in the order of assessment.md §6
#: (public works is an "of which" count of the working-age adults, not a category).
CATEGORY_FIELDS = {
    "CHILD": "children",
    "PENSION_AGE": "pensionAge",
    "ADULT_WITH_DISABILITY": "adultsWithDisability",
    "PARENTAL_LEAVE": "parentalLeave",
    "WORKING_AGE_EMPLOYED": "workingAgeEmployed",
    "WORKING_AGE_NOT_EMPLOYED": "workingAgeNotEmployed",
}
WORKING_AGE_FIELDS = ("parentalLeave", "workingAgeEmployed", "workingAgeNotEmployed")
DECIMAL = r"^-?[0-9]{1,12}(\.[0-9]{1,12})?\Z"
EUR = r"^-?[0-9]{1,12}\.[0-9]{2}\Z"


class MonthlyIndicatorSchema(pa.DataFrameModel):
    """One indicator of a monthly report, with the report's month and the build day's month."""

    code: Series[str] = pa.Field(isin=list(INDICATORS), unique=True)
    unit: Series[str] = pa.Field(isin=["persons", "households", "EUR"])
    value: Series[str] = pa.Field(str_matches=DECIMAL)
    month: Series[str] = pa.Field(str_matches=MONTH)
    asOfMonth: Series[str] = pa.Field(str_matches=MONTH)

    class Config:
        strict = True

    @pa.check("value", name="not_negative")
    @classmethod
    def not_negative(cls, series: Series[str]) -> Series[bool]:
        return ~series.str.startswith("-")

    @pa.dataframe_check(name="unit_of_the_indicator")
    @classmethod
    def unit_of_code(cls, df: pd.DataFrame) -> Series[bool]:
        return df["unit"] == df["code"].map(INDICATORS)

    @pa.dataframe_check(name="whole_number_of_persons_or_households")
    @classmethod
    def whole_numbers(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["unit"] == "EUR") | ~df["value"].str.contains(".", regex=False)

    @pa.dataframe_check(name="eur_with_two_decimals")
    @classmethod
    def eur_two_decimals(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["unit"] != "EUR") | df["value"].str.match(EUR)

    @pa.dataframe_check(name="every_indicator_present")
    @classmethod
    def all_present(cls, df: pd.DataFrame) -> bool:
        return set(INDICATORS) <= set(df["code"])

    @pa.dataframe_check(name="persons_not_fewer_than_households")
    @classmethod
    def persons_vs_households(cls, df: pd.DataFrame) -> Series[bool]:
        values = dict(zip(df["code"], df["value"], strict=False))

        def ok(code: str) -> bool:
            households = PERSONS_OF_HOUSEHOLDS.get(code)
            if households is None or households not in values:
                return True
            try:
                return float(values[code]) >= float(values[households])
            except ValueError:
                return True  # the format check reports it

        return df["code"].map(ok).astype(bool)

    @pa.dataframe_check(name="month_not_in_future")
    @classmethod
    def not_in_future(cls, df: pd.DataFrame) -> Series[bool]:
        return df["month"] <= df["asOfMonth"]


class AnnualRowSchema(pa.DataFrameModel):
    """One row (a benefit kind or ``ALL``) of an annual report, with the year and build year."""

    kind: Series[str] = pa.Field(isin=list(ANNUAL_KINDS), unique=True)
    households: Series[int] = pa.Field(ge=0)
    persons: Series[int] = pa.Field(ge=0)
    children: Series[int] = pa.Field(ge=0)
    childrenWithDisability: Series[int] = pa.Field(ge=0)
    workingAgeEmployed: Series[int] = pa.Field(ge=0)
    workingAgeNotEmployed: Series[int] = pa.Field(ge=0)
    parentalLeave: Series[int] = pa.Field(ge=0)
    adultsWithDisability: Series[int] = pa.Field(ge=0)
    publicWorks: Series[int] = pa.Field(ge=0)
    pensionAge: Series[int] = pa.Field(ge=0)
    women: Series[int] = pa.Field(ge=0)
    men: Series[int] = pa.Field(ge=0)
    ukrainianCivilians: Series[int] = pa.Field(ge=0)
    eurCash: Series[str] = pa.Field(str_matches=EUR)
    eurInKind: Series[str] = pa.Field(str_matches=EUR)
    averageEurPerPersonMonth: Series[str] = pa.Field(str_matches=EUR)
    averageMonthsPerPerson: Series[str] = pa.Field(str_matches=EUR)
    year: Series[int]
    asOfYear: Series[int]

    class Config:
        strict = True
        coerce = True

    @pa.check(
        "eurCash", "eurInKind", "averageEurPerPersonMonth", "averageMonthsPerPerson",
        name="not_negative",
    )  # fmt: skip
    @classmethod
    def not_negative(cls, series: Series[str]) -> Series[bool]:
        return ~series.str.startswith("-")

    @pa.dataframe_check(name="persons_not_fewer_than_households")
    @classmethod
    def persons_vs_households(cls, df: pd.DataFrame) -> Series[bool]:
        return df["persons"] >= df["households"]

    @pa.dataframe_check(name="categories_add_up_to_persons")
    @classmethod
    def categories_add_up(cls, df: pd.DataFrame) -> Series[bool]:
        return df[list(CATEGORY_FIELDS.values())].sum(axis=1) == df["persons"]

    @pa.dataframe_check(name="women_men_and_children_add_up_to_persons")
    @classmethod
    def sexes_add_up(cls, df: pd.DataFrame) -> Series[bool]:
        return df["women"] + df["men"] + df["children"] == df["persons"]

    @pa.dataframe_check(name="public_works_not_above_working_age")
    @classmethod
    def public_works(cls, df: pd.DataFrame) -> Series[bool]:
        return df["publicWorks"] <= df[list(WORKING_AGE_FIELDS)].sum(axis=1)

    @pa.dataframe_check(name="ukrainian_civilians_not_above_persons")
    @classmethod
    def ukrainian_civilians(cls, df: pd.DataFrame) -> Series[bool]:
        return df["ukrainianCivilians"] <= df["persons"]

    @pa.dataframe_check(name="status_rows_without_eur")
    @classmethod
    def status_rows(cls, df: pd.DataFrame) -> Series[bool]:
        money = ["eurCash", "eurInKind", "averageEurPerPersonMonth", "averageMonthsPerPerson"]
        zero = df[money].apply(lambda c: c.map(lambda v: str(v).strip("0.") == "")).all(axis=1)
        return ~df["kind"].isin(STATUS_ROWS) | zero

    @pa.dataframe_check(name="children_with_disability_not_above_children")
    @classmethod
    def children_with_disability(cls, df: pd.DataFrame) -> Series[bool]:
        return df["childrenWithDisability"] <= df["children"]

    @pa.dataframe_check(name="every_row_present")
    @classmethod
    def all_present(cls, df: pd.DataFrame) -> bool:
        return set(ANNUAL_KINDS) <= set(df["kind"])

    @pa.dataframe_check(name="all_not_below_a_benefit_row")
    @classmethod
    def all_row(cls, df: pd.DataFrame) -> Series[bool]:
        total = df[df["kind"] == "ALL"]
        if total.empty:
            return pd.Series(True, index=df.index)
        households, persons = int(total["households"].iloc[0]), int(total["persons"].iloc[0])
        benefit = df["kind"].str.startswith("BENEFIT_")
        return ~benefit | ((df["households"] <= households) & (df["persons"] <= persons))

    @pa.dataframe_check(name="year_not_in_future")
    @classmethod
    def not_in_future(cls, df: pd.DataFrame) -> Series[bool]:
        return df["year"] <= df["asOfYear"]
