"""pandera model of LAD rural support payments (property.md §5), one row per payment."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from tilts.schemas.common import PaymentModel, dates_in_range, money_check
from tilts.schemas.facts import Fact, Row, numbered_facts

PAYMENT_TYPES = [
    "BASIC_INCOME_SUPPORT", "COUPLED_SUPPORT", "SMALL_FARMERS", "YOUNG_FARMERS", "ECO_SCHEME",
    "RURAL_DEVELOPMENT", "OTHER",
]  # fmt: skip
FIRST_CAMPAIGN = 1990  # before LAD existed: a year earlier is a wrong record


def _year(v: Any) -> int | None:
    """The campaign year when it is a JSON integer (not a bool, not a string)."""
    return v if isinstance(v, int) and not isinstance(v, bool) else None


class LadPaymentSchema(PaymentModel):
    """One rural support payment of a FOUND person (``paymentDate`` and its checks:
    ``PaymentModel``)."""

    requestedCode: Series[str]
    paymentType: Series[str] = pa.Field(isin=PAYMENT_TYPES)
    campaignYear: Series[object]
    amount: Series[str]

    money = money_check("amount")

    @pa.check("campaignYear", name="campaign_year_an_integer_from_1990_to_a_year_ahead")
    @classmethod
    def campaign_year(cls, series: Series[Any]) -> Series[bool]:
        # element by element: a mapped series of ints and None would turn into floats
        years = [_year(v) for v in series]
        first_days = pd.Series(
            [None if y is None else f"{y:04d}-01-01" for y in years], index=series.index
        )
        known = pd.Series(
            [y is not None and y >= FIRST_CAMPAIGN for y in years], index=series.index
        )
        return known & dates_in_range(first_days, "start")

    @pa.dataframe_check(name="paid_in_or_after_its_campaign_year")
    @classmethod
    def paid_after_campaign(cls, df: pd.DataFrame) -> Series[bool]:
        def ok(year: Any, paid: Any) -> bool:
            y = _year(year)
            text = str(paid)
            if y is None or len(text) < 4 or not text[:4].isdigit():
                return True  # the column checks report these
            return int(text[:4]) >= y

        return pd.Series(
            [ok(y, p) for y, p in zip(df["campaignYear"], df["paymentDate"], strict=True)],
            index=df.index,
            dtype=bool,
        )


def payment_facts(pid: int, rows: list[Row]) -> list[Fact]:
    """One RURAL_PAYMENT fact per payment, in the month of its payment date (property.md §5);
    several of one type, campaign and day are numbered."""
    return numbered_facts(
        pid,
        rows,
        "RURAL_PAYMENT",
        lambda r: f"{r['paymentDate']}:{r['paymentType']}:{r['campaignYear']}",
        lambda r: str(r["paymentDate"])[:7],
    )
