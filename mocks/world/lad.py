"""LAD rural support of the synthetic world (property.md §7): payments to rural households.

A rural household (:func:`mocks.world.rural.is_rural`, the draw VZD's land and VTUA's tractors
share) farms with a probability of 0.7; its head is the applicant. From a first campaign year on,
each campaign year brings a few payments of the types the farm draws once (basic income support
always, in an advance in December and a balance in May of the next year; others once a year),
amounts in proportion to the farmed hectares. Everything is drawn from
``registry_rng(seed, household, "lad")`` and a per-campaign hash, so one household's answer costs
only that household and the same seed gives the same payments; a payment is visible once its
date has come (a clock advance adds payment months), never after the recipient's death or
emigration.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from tilts.mocks.world.fact_types import age_on, month_index, month_str
from tilts.mocks.world.rural import is_rural, registry_rng
from tilts.mocks.world.timeline import money

if TYPE_CHECKING:
    from tilts.mocks.world.population import Population

FARMING_SHARE = 0.7  # modelled: rural households that claim area payments
#: type → (EUR per hectare or, with ``flat``, per farm), and the (year offset, month, share) of
#: the campaign year's payments (modelled after LAD's usual calendar)
_SCHEDULE: dict[str, tuple[float, bool, tuple[tuple[int, int, float], ...]]] = {
    "BASIC_INCOME_SUPPORT": (95.0, False, ((0, 12, 0.7), (1, 5, 0.3))),
    "ECO_SCHEME": (45.0, False, ((1, 3, 1.0),)),
    "COUPLED_SUPPORT": (35.0, False, ((1, 4, 1.0),)),
    "SMALL_FARMERS": (500.0, True, ((0, 12, 1.0),)),
    "YOUNG_FARMERS": (40.0, False, ((1, 2, 1.0),)),
    "RURAL_DEVELOPMENT": (60.0, False, ((0, 10, 1.0),)),
}


@dataclass(frozen=True, slots=True)
class RuralPayment:
    """One LAD payment (property.md §5)."""

    payment_type: str
    campaign_year: int
    amount: Decimal
    payment_date: dt.date


@dataclass(frozen=True, slots=True)
class Farm:
    """What a farming household draws once: hectares, first campaign, payment types."""

    hectares: float
    first_campaign: int
    types: tuple[str, ...]


def farm(pop: Population, household: int) -> Farm | None:
    """The farm of ``household`` (``None``: not rural, or rural without area payments)."""
    if not is_rural(pop.seed, household):
        return None
    rng = registry_rng(pop.seed, household, "lad")
    if rng.random() >= FARMING_SHARE:
        return None
    hectares = rng.uniform(2.0, 14.0)
    first = pop.ref.year - rng.randint(1, 12)
    head = pop.base_household(household).members[0]
    types = ["BASIC_INCOME_SUPPORT"]
    types += [t for t, p in (("ECO_SCHEME", 0.5), ("COUPLED_SUPPORT", 0.3)) if rng.random() < p]
    types += ["RURAL_DEVELOPMENT"] if rng.random() < 0.15 else []
    if hectares < 5:
        types.append("SMALL_FARMERS")
    if age_on(head.birth_date, pop.ref) < 40:
        types.append("YOUNG_FARMERS")
    return Farm(round(hectares, 2), first, tuple(types))


def payments(pop: Population, code: str, from_month: str, to_month: str) -> list[RuralPayment]:
    """LAD payments to ``code`` dated in ``from_month..to_month`` and known today, by date.

    ``code`` is a known code (the mock answers ``NOT_FOUND`` for others)."""
    slot = pop.resolve(code)
    if slot is None or slot >= pop.size:
        return []
    household = pop.household_of(slot)
    if slot != pop.household_slots(household).start:
        return []  # the head applies for the household's farm
    f = farm(pop, household)
    if f is None:
        return []
    lo, hi = _month(from_month), _month(to_month)
    closure = pop.overlay.closure(slot)
    last = pop.today if closure is None else min(pop.today, closure.on)
    out = []
    for year in range(max(f.first_campaign, lo // 12 - 1), hi // 12 + 1):
        for kind in f.types:
            rate, flat, parts = _SCHEDULE[kind]
            base = rate if flat else rate * f.hectares
            key = f"{pop.seed}:{household}:lad:{year}:{kind}"
            total = base * (0.9 + (zlib.crc32(key.encode()) % 201) / 1000)
            for offset, month, share in parts:
                on = dt.date(year + offset, month, 5 + zlib.crc32(f"{key}:{month}".encode()) % 20)
                if lo <= month_index(on) <= hi and on <= last:
                    out.append(RuralPayment(kind, year, money(total * share), on))
    return sorted(out, key=lambda p: (p.payment_date, p.payment_type, p.campaign_year))


def data_complete_through(today: dt.date) -> str:
    """``dataCompleteThrough``: every payment of a month is made by its last day, so the month
    before today's is complete."""
    return month_str(month_index(today) - 1)


def _month(value: str) -> int:
    year, month = value.split("-")
    return int(year) * 12 + int(month) - 1
