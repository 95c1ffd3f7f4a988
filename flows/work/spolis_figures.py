"""The figures of the SPOLIS monthly and annual reports, computed from the store (spolis.md §3,
§4). Pure counting over what :mod:`store.spolis_reads` returns; no SQL here.

Decisions where the spec is silent (docs/decisions.md):

* a household's *persons* are its members on the decision date — the persons the decision
  records name, so the ministry's cross-check of END counts against the records agrees;
* ``…_NEW`` counts granting decisions dated in the month (a renewal is a new grant);
  ``…_END`` the statuses valid on the last day and not revoked by then;
* benefit figures count the payments *for* the month (``month``), households and persons of
  payments above zero, and EUR of every payment (a cancelled one is a correction to 0.00);
* the annual rows: :mod:`flows.work.spolis_annual`.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy.orm import Session

from tilts.assessment import Month
from tilts.kernel.spolis_indicators import INDICATORS
from tilts.store import spolis_reads as reads
from tilts.store.models import STATUS_KINDS, Decision
from tilts.store.reassess import valid_decisions
from tilts.store.spolis_reads import Membership

STATUS_PREFIX = {"STATUS_POOR": "POOR", "STATUS_LOW_INCOME": "LOW_INCOME"}
BENEFIT_PREFIX = {
    "BENEFIT_GMI": "GMI",
    "BENEFIT_HOUSING": "HOUSING",
    "BENEFIT_HEALTH": "HEALTH",
    "BENEFIT_EDUCATION": "EDUCATION",
    "BENEFIT_CRISIS": "CRISIS",
    "BENEFIT_OTHER": "OTHER",
}
ZERO = Decimal("0.00")


def _eur(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):.2f}"


def persons_of(decision: Decision, members: dict[int, list[Membership]]) -> set[int]:
    """The household's members on the decision date."""
    return {
        m.person_id for m in members.get(decision.household_id, []) if m.on(decision.decision_date)
    }


def _count(decisions: Iterable[Decision], members: dict[int, list[Membership]]) -> tuple[int, int]:
    households: set[int] = set()
    persons: set[int] = set()
    for d in decisions:
        households.add(d.household_id)
        persons |= persons_of(d, members)
    return len(households), len(persons)


def monthly_indicators(
    session: Session, municipality_id: int, month: Month
) -> list[dict[str, str]]:
    """Every indicator of §3 for ``month``, in the annex order, as ``{"code", "unit", "value"}``."""
    first, last = month.first_day, month.last_day
    new = reads.decisions(session, municipality_id, STATUS_KINDS, (first, last), "GRANTED")
    end = valid_decisions(session, municipality_id, last, STATUS_KINDS)
    paid = reads.payments(session, municipality_id, [str(month)])
    decided = reads.decisions_by_id(session, [p.decision_id for p in paid])
    households = {d.household_id for d in (*new, *end, *decided.values())}
    members = reads.memberships(session, list(households))
    values: dict[str, str] = {}
    for kind, prefix in STATUS_PREFIX.items():
        for when, found in (("NEW", new), ("END", end)):
            hh, pp = _count((d for d in found if d.kind == kind), members)
            values[f"{prefix}_HOUSEHOLDS_{when}"], values[f"{prefix}_PERSONS_{when}"] = (
                str(hh),
                str(pp),
            )
    for kind, prefix in BENEFIT_PREFIX.items():
        mine = [p for p in paid if decided[p.decision_id].kind == kind]
        hh, pp = _count((decided[p.decision_id] for p in mine if p.amount > 0), members)
        values[f"{prefix}_HOUSEHOLDS"], values[f"{prefix}_PERSONS"] = str(hh), str(pp)
        values[f"{prefix}_EUR"] = _eur(sum((p.amount for p in mine), ZERO))
    return [{"code": c, "unit": u, "value": values[c]} for c, u in INDICATORS.items()]
