"""UGFA maintenance of the synthetic world (property.md §7): the Maintenance Guarantee Fund
pays for some children of single-parent households.

A single-parent household has a fund case with a probability of 0.35 (drawn from
``registry_rng(seed, household, "ugfa")``); each of its children under 18 is covered with a
probability of 0.8, from a start month drawn once (up to four years before the reference date,
never before the month after birth) to the month before the 18th birthday. Each month's payment
is made in that month (day 15 to 22) to the head of the household, the parent
(``recipientPersonCode``): a quarter of the month's minimum wage for a child under 7, 30 % from
7 *(modelled after the law's age steps)*. A payment is visible once its date has come (a clock
advance adds payment months), never after the child's or the parent's death or emigration.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from tilts.mocks.world.fact_types import age_on, month_index, month_start, month_str
from tilts.mocks.world.households import CHILD
from tilts.mocks.world.rural import registry_rng
from tilts.mocks.world.timeline import money

if TYPE_CHECKING:
    from tilts.mocks.world.population import Population

CASE_SHARE = 0.35  # modelled: single-parent households with a fund case
#: minimum monthly wage by year (assessment.md §2; before 2023 EUR 500, 2023 EUR 620)
_MINIMUM_WAGE = {2023: 620.0, 2024: 700.0, 2025: 740.0, 2026: 780.0}


@dataclass(frozen=True, slots=True)
class Maintenance:
    """One UGFA payment (property.md §6)."""

    case_number: str
    month: str
    amount: Decimal
    payment_date: dt.date
    recipient_code: str


def _wage(year: int) -> float:
    if year < min(_MINIMUM_WAGE):
        return 500.0
    return _MINIMUM_WAGE.get(year, _MINIMUM_WAGE[max(_MINIMUM_WAGE)])


def payments(pop: Population, code: str, from_month: str, to_month: str) -> list[Maintenance]:
    """Maintenance paid for the child ``code`` for ``from_month..to_month`` and known today."""
    slot = pop.resolve(code)
    if slot is None or slot >= pop.size:
        return []
    household = pop.household_of(slot)
    hh = pop.base_household(household)
    if hh.kind != "single_parent":
        return []
    rng = registry_rng(pop.seed, household, "ugfa")
    if rng.random() >= CASE_SHARE:
        return []
    start = pop.household_slots(household).start
    case = f"UGF-{pop.ref.year - rng.randint(0, 4)}/{rng.randint(1, 99999):05d}"
    first_month = None
    for member in hh.members:  # one draw per child, in member order, whoever is asked
        covered = rng.random() < 0.8
        since = month_index(pop.ref) - rng.randint(1, 48)
        if start + member.member == slot and member.role == CHILD and covered:
            first_month = max(since, month_index(member.birth_date) + 1)
    if first_month is None:
        return []
    child = hh.members[slot - start]
    parent = start  # the head
    ends = [c.on for s in (slot, parent) if (c := pop.overlay.closure(s)) is not None]
    last = min([pop.today, *ends])
    adult = month_index(child.birth_date) + 18 * 12  # the month of the 18th birthday
    out = []
    for mi in range(max(_month(from_month), first_month), min(_month(to_month), adult - 1) + 1):
        on = dt.date(mi // 12, mi % 12 + 1, 15 + zlib.crc32(f"{case}:{mi}".encode()) % 8)
        if on > last:
            break
        share = 0.25 if age_on(child.birth_date, month_start(mi)) < 7 else 0.3
        amount = money(_wage(mi // 12) * share)
        out.append(Maintenance(case, month_str(mi), amount, on, pop.overlay.current_code(parent)))
    return out


def data_complete_through(today: dt.date) -> str:
    """``dataCompleteThrough``: a month's payments are all made by its 22nd; the month before
    today's is complete."""
    return month_str(month_index(today) - 1)


def _month(value: str) -> int:
    year, month = value.split("-")
    return int(year) * 12 + int(month) - 1
