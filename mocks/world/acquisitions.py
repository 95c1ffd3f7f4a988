"""When a household of the synthetic world acquires property (property.md §7, §8).

The days on which a member gains an item the property test counts against the household: a
right other than the dwelling (VZD), a motor vehicle bought while another of the household's
motor vehicles is held (CSDD, VTUA: a second car, a tractor beside a car), a member's share in,
or sole proprietorship of, an enterprise (UR). Read per household from the same lazy draws the
registries answer from, so nothing is held and the same seed gives the same days; days after
the reference day are the acquisitions a clock advance brings. The admin sample's
``acquiredSince`` filter (mocks/README.md) uses it, so that a test or the demo can pick
households that first acquired property lately.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from tilts.mocks.world.enterprises import member_roles
from tilts.mocks.world.realestate import household_rights
from tilts.mocks.world.vehicles import Vehicle, household_vehicles
from tilts.registries import REGISTRIES

if TYPE_CHECKING:
    from tilts.mocks.world.population import Population

MOTOR = frozenset({"M1", "N1", "TRACTOR", "SELF_PROPELLED"})  # property.md §8: counted ones
COUNTED_ROLES = frozenset({"MEMBER", "SOLE_PROPRIETOR"})
VEHICLE_REGISTRIES = tuple(r.service for r in REGISTRIES if "VEHICLE" in r.kinds)


def _end(v: Vehicle) -> dt.date | None:
    return v.held_to or v.deregistered


def _beside_another(v: Vehicle, fleet: list[Vehicle]) -> bool:
    day = v.held_from
    return any(
        o is not v and o.held_from <= day and ((end := _end(o)) is None or end > day) for o in fleet
    )


def acquisition_days(pop: Population, index: int) -> list[dt.date]:
    """The days household ``index``'s members acquire property, in order (the world's whole
    generated history, before and after the reference day)."""
    hh = pop.base_household(index)
    home = hh.address.address_code
    days = [r.valid_from for _, r in household_rights(pop.seed, hh, pop.ref)
            if r.address_code != home]  # fmt: skip
    born = [m.birth_date for m in hh.members]
    fleet = [
        v
        for service in VEHICLE_REGISTRIES
        for v in household_vehicles(pop.seed, index, born, pop.ref, service)
        if v.category in MOTOR
    ]
    days += [v.held_from for v in fleet if _beside_another(v, fleet)]
    for p in hh.members:
        roles = member_roles(pop.seed, index, p.member, p.birth_date, pop.ref)
        days += [r.start for r in roles if r.role in COUNTED_ROLES]
    return sorted(days)


def first_acquired_between(
    pop: Population, index: int, since: dt.date, until: dt.date | None = None
) -> bool:
    """Whether household ``index`` first acquires property on a day of ``since..until`` (the
    world's today without ``until``; it held no such item before: the property test passed
    before that day, but for its dwelling)."""
    days = acquisition_days(pop, index)
    return bool(days) and since <= days[0] <= (until or pop.today)
