"""pandera model of VSAA payments (registries.md §4), one row per payment."""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

from tilts.schemas.common import MONTH, PaymentModel, money_check
from tilts.schemas.facts import Fact, Row, numbered_facts

BENEFIT_TYPES = [
    "OLD_AGE_PENSION", "DISABILITY_PENSION", "SURVIVOR_PENSION", "SERVICE_PENSION",
    "UNEMPLOYMENT_BENEFIT", "SICKNESS_BENEFIT", "MATERNITY_BENEFIT", "PATERNITY_BENEFIT",
    "PARENTAL_BENEFIT", "CHILDCARE_BENEFIT", "FAMILY_STATE_BENEFIT",
    "DISABLED_CHILD_CARE_BENEFIT", "DISABILITY_CARE_BENEFIT", "STATE_SOCIAL_SECURITY_BENEFIT",
    "BIRTH_BENEFIT", "FUNERAL_BENEFIT", "MAINTENANCE_GUARANTEE_FUND",
]  # fmt: skip


class VsaaPaymentSchema(PaymentModel):
    """One payment of a FOUND person (``paymentDate`` and its checks: ``PaymentModel``)."""

    requestedCode: Series[str]
    month: Series[str] = pa.Field(str_matches=MONTH)
    benefitType: Series[str] = pa.Field(isin=BENEFIT_TYPES)
    grossAmount: Series[str]
    incomeTaxWithheld: Series[str]
    paidAmount: Series[str]

    money = money_check("grossAmount", "incomeTaxWithheld", "paidAmount")


def payment_facts(pid: int, rows: list[Row]) -> list[Fact]:
    """One PAYMENT fact per payment (several of a type in a month are numbered)."""
    return numbered_facts(
        pid, rows, "PAYMENT", lambda r: f"{r['month']}:{r['benefitType']}", lambda r: r["month"]
    )
