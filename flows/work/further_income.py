"""LAD and UGFA facts of a member as the calculator reads them (property.md §5-6): the case a
re-assessment builds from the store (``flows/work/reassess.py``) carries them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tilts.assessment import Maintenance, Month, RuralPayment
from tilts.store.reassess import MemberFacts


def _day(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def rural_payments(member: MemberFacts) -> tuple[RuralPayment, ...]:
    """The member's LAD payments (property.md §5) as the calculator reads them."""
    out = []
    for f in member.of("LAD", "RURAL_PAYMENT"):
        p = f.payload
        paid = _day(p.get("paymentDate"))
        if paid is not None and p.get("amount") is not None:
            year = int(p.get("campaignYear") or paid.year)
            out.append(
                RuralPayment(str(p.get("paymentType")), year, Decimal(str(p["amount"])), paid)
            )
    return tuple(out)


def maintenance(member: MemberFacts) -> tuple[Maintenance, ...]:
    """UGFA payments for the member, a child (property.md §6), in the month they are for."""
    out = []
    for f in member.of("UGFA", "MAINTENANCE"):
        p = f.payload
        paid = _day(p.get("paymentDate"))
        if f.period and paid is not None and p.get("amount") is not None:
            case = str(p.get("caseNumber") or "")
            out.append(Maintenance(Month.parse(f.period), Decimal(str(p["amount"])), paid, case))
    return tuple(out)
