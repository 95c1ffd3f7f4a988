"""pandera model of VZD property rights (property.md §2), one row per right.

A row is one ``right`` of a FOUND person with ``landBookFolio`` flattened into
``landBookOffice`` and ``landBookFolioNumber``; ``buildingUse`` stays a list of use codes.
Shares and areas are kept as the wire's decimal digit strings (docs/decisions.md "VZD").
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from tilts.schemas.common import DATE, dates_in_range, money_ok, real_dates
from tilts.schemas.facts import Fact, Row, day, payload

PROPERTY_KINDS = ["LAND", "BUILDING", "APARTMENT"]
RIGHT_KINDS = ["OWNER", "LEGAL_POSSESSOR", "USER"]
BUILDING_USES = ("RESIDENTIAL", "AUXILIARY", "AGRICULTURAL", "COMMERCIAL", "OTHER")
_SHARE = r"^[1-9][0-9]{0,8}\Z"  # a positive whole number, ASCII digits
_AREA = r"^(0|[1-9][0-9]{0,9})\Z"  # whole square metres, ≥ 0


class PropertyRightSchema(pa.DataFrameModel):
    """One ``right`` of a FOUND person, flattened by :func:`right_rows`."""

    requestedCode: Series[str]
    propertyNumber: Series[str] = pa.Field(str_matches=r"^[0-9]{11}\Z")
    propertyKind: Series[str] = pa.Field(isin=PROPERTY_KINDS)
    rightKind: Series[str] = pa.Field(isin=RIGHT_KINDS)
    shareNumerator: Series[str] = pa.Field(str_matches=_SHARE)
    shareDenominator: Series[str] = pa.Field(str_matches=_SHARE)
    addressCode: Series[str] = pa.Field(str_matches=r"^[0-9]{9}\Z")
    atvk: Series[str] = pa.Field(str_matches=r"^[0-9]{7}\Z")
    parcelAreaM2: Series[str] = pa.Field(nullable=True, str_matches=_AREA)
    agriculturalAreaM2: Series[str] = pa.Field(str_matches=_AREA)
    forestAreaM2: Series[str] = pa.Field(str_matches=_AREA)
    buildingUse: Series[object] = pa.Field(nullable=True)
    cadastralValue: Series[str]
    valueDate: Series[str] = pa.Field(str_matches=DATE)
    landBookOffice: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 100})
    landBookFolioNumber: Series[str] = pa.Field(str_matches=r"^[0-9A-Za-z/-]{1,20}\Z")
    validFrom: Series[str] = pa.Field(str_matches=DATE)
    validTo: Series[str] = pa.Field(nullable=True, str_matches=DATE)

    class Config:
        strict = True

    @pa.check("cadastralValue", name="money_with_two_decimals_not_negative")
    @classmethod
    def money(cls, series: Series[str]) -> Series[bool]:
        return money_ok(series) & ~series.astype(str).str.startswith("-")

    @pa.check("buildingUse", name="list_of_building_use_codes")
    @classmethod
    def uses(cls, series: Series[Any]) -> Series[bool]:
        def ok(v: Any) -> bool:
            return v is None or (
                isinstance(v, list) and all(isinstance(u, str) and u in BUILDING_USES for u in v)
            )

        return series.map(ok).astype(bool)

    @pa.check("valueDate", "validFrom", "validTo", name="real_date")
    @classmethod
    def real_date(cls, series: Series[str]) -> Series[bool]:
        return real_dates(series)

    @pa.check("valueDate", "validFrom", name="date_between_1900_and_a_year_ahead")
    @classmethod
    def date_not_far_ahead(cls, series: Series[str]) -> Series[bool]:
        return dates_in_range(series, "start")

    @pa.check("validTo", name="date_between_1900_and_2199")
    @classmethod
    def date_in_range(cls, series: Series[str]) -> Series[bool]:
        return dates_in_range(series, "end")

    @pa.dataframe_check(name="share_numerator_at_most_denominator")
    @classmethod
    def share(cls, df: pd.DataFrame) -> Series[bool]:
        return df.apply(
            lambda r: _whole(r["shareNumerator"]) <= _whole(r["shareDenominator"]), axis=1
        ).astype(bool)

    @pa.dataframe_check(name="agricultural_and_forest_within_parcel")
    @classmethod
    def parts_of_parcel(cls, df: pd.DataFrame) -> Series[bool]:
        def ok(r: pd.Series[Any]) -> bool:
            parcel = r["parcelAreaM2"]
            parts = _whole(r["agriculturalAreaM2"]) + _whole(r["forestAreaM2"])
            return parts <= (0 if parcel is None else _whole(parcel))

        return df.apply(ok, axis=1).astype(bool)

    @pa.dataframe_check(name="parcel_area_for_land_none_for_apartment")
    @classmethod
    def parcel_by_kind(cls, df: pd.DataFrame) -> Series[bool]:
        kind, parcel = df["propertyKind"], df["parcelAreaM2"]
        return ((kind != "LAND") | parcel.notna()) & ((kind != "APARTMENT") | parcel.isna())

    @pa.dataframe_check(name="valid_to_not_before_valid_from")
    @classmethod
    def ordered(cls, df: pd.DataFrame) -> Series[bool]:
        return df["validTo"].isna() | (df["validTo"].astype(str) >= df["validFrom"].astype(str))


def _whole(value: Any) -> int:
    """A share or area string as an int (0 for anything a field check already rejects)."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return 0


def right_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Frame rows of one person's answer: each right with its Land Book folio flattened."""
    rows = []
    for right in result.get("rights") or []:
        row = {k: v for k, v in right.items() if k != "landBookFolio"}
        folio = right.get("landBookFolio") or {}
        row["landBookOffice"] = folio.get("office")
        row["landBookFolioNumber"] = folio.get("folioNumber")
        rows.append({"requestedCode": result["requestedCode"], **row})
    return rows


def property_facts(pid: int, rows: list[Row]) -> list[Fact]:
    """One PROPERTY_RIGHT fact per right, keyed ``<propertyNumber>:<rightKind>``, valid over
    the right's period."""
    return [
        Fact(pid, "PROPERTY_RIGHT", f"{r['propertyNumber']}:{r['rightKind']}", payload(r),
             day(r, "validFrom"), day(r, "validTo"))
        for r in rows
    ]  # fmt: skip


def right_key(row: Row) -> tuple[Any, ...] | None:
    """A right is keyed by its property and kind within one answer."""
    return ("right", row.get("propertyNumber"), row.get("rightKind"))
