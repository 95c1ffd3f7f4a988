"""VZD property rights of the synthetic population (property.md §7), drawn per household.

Every household's rights come from its own RNG (``rural.registry_rng(seed, index, "vzd")``)
and its generated members and address, so nothing is held beyond the households asked about
and the same seed always gives the same cadastre:

* a **dwelling** at the household's declared address (its PMLP address code): an
  ``APARTMENT`` when the address has a flat number, else a ``LAND`` parcel with a
  ``RESIDENTIAL`` building (and often an ``AUXILIARY`` one); owned by one adult member (1/1)
  or two (1/2 each) since the household moved in; about a quarter of households rent instead
  and have no right (fewer rural ones);
* **rural** households (``rural.is_rural``, shared with the other property registries) live on
  a farmstead parcel with farm land and forest; a few of them hold land over 5 ha;
* a **second property** for some (a garden plot, a forest parcel, a second apartment, a
  garage building; now and then a share or a ``USER`` right), a few **sold** in the last
  year (``validTo`` set), and a few **bought later**: their ``validFrom`` lies after the
  generation day, so a clock advance past it adds the right (property.md §7).
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from typing import Protocol

from tilts.mocks.world import places
from tilts.mocks.world.fact_types import add_days, age_on
from tilts.mocks.world.households import CHILD, WARD, BaseHousehold
from tilts.mocks.world.rural import is_rural, registry_rng

RENT_SHARE, RURAL_RENT_SHARE = 0.25, 0.08  # modelled
SECOND_SHARE, SOLD_SHARE, LATER_SHARE = 0.12, 0.04, 0.05  # modelled
OVER_LIMIT_SHARE = 0.15  # of rural owners: land over 5 ha (property.md §8), modelled
KNOWN_ENDED_DAYS = 365  # the cadastre lists rights that ended within a year of the asked day
_FLAT = re.compile(r"^[^,]* [0-9]+-[0-9]+,")


@dataclass(frozen=True, slots=True)
class Right:
    """One property right of one member (property.md §2)."""

    property_number: str
    property_kind: str
    right_kind: str
    share: tuple[int, int]
    address_code: str
    atvk: str
    parcel_area_m2: int | None
    agricultural_area_m2: int
    forest_area_m2: int
    building_use: tuple[str, ...]
    cadastral_value: str
    value_date: dt.date
    folio_office: str
    folio_number: str
    valid_from: dt.date
    valid_to: dt.date | None = None


class Households(Protocol):
    """What the cadastre reads of the population (:class:`~mocks.world.population.Population`)."""

    seed: int
    size: int
    ref: dt.date

    def household_of(self, slot: int) -> int: ...
    def household_slots(self, index: int) -> range: ...
    def base_household(self, index: int) -> BaseHousehold: ...


def rights_of(pop: Households, slot: int, as_of: dt.date) -> list[Right]:
    """The rights the cadastre lists for ``slot`` on ``as_of`` (a day not after "today"):
    those begun by then, still held or ended within :data:`KNOWN_ENDED_DAYS`."""
    if slot >= pop.size:
        return []  # a newborn of the clock owns nothing
    index = pop.household_of(slot)
    member = slot - pop.household_slots(index).start
    horizon = add_days(as_of, -KNOWN_ENDED_DAYS)
    return [
        r
        for m, r in household_rights(pop.seed, pop.base_household(index), pop.ref)
        if m == member and r.valid_from <= as_of and (r.valid_to is None or r.valid_to >= horizon)
    ]


def household_rights(seed: int, hh: BaseHousehold, ref: dt.date) -> list[tuple[int, Right]]:
    """Every right of household ``hh`` ever drawn, as (member index, right)."""
    rng = registry_rng(seed, hh.index, "vzd")
    rural = is_rural(seed, hh.index)
    adults = [p.member for p in hh.members
              if p.role not in (CHILD, WARD) and age_on(p.birth_date, ref) >= 18]  # fmt: skip
    if not adults:
        return []
    owners = adults[:2] if len(adults) > 1 and rng.random() < 0.55 else adults[:1]
    out: list[tuple[int, Right]] = []
    if rng.random() >= (RURAL_RENT_SHARE if rural else RENT_SHARE):
        dwelling = _dwelling(rng, hh, rural, ref, len(owners))
        out += [(m, dwelling) for m in owners]
    if rng.random() < SECOND_SHARE:
        since = add_days(ref, -rng.randint(200, 9000))
        out.append((rng.choice(adults), _other(rng, hh, since, None, ref)))
    if rng.random() < SOLD_SHARE:
        since = add_days(ref, -rng.randint(1500, 9000))
        sold = add_days(ref, -rng.randint(10, 330))
        out.append((rng.choice(adults), _other(rng, hh, since, sold, ref)))
    if rng.random() < LATER_SHARE:  # bought after the generation day: a clock advance adds it
        out.append((rng.choice(adults), _other(rng, hh, add_days(ref, rng.randint(1, 730)), None,
                                               ref)))  # fmt: skip
    return out


def _dwelling(
    rng: random.Random, hh: BaseHousehold, rural: bool, ref: dt.date, owners: int
) -> Right:
    a = hh.address
    share = (1, owners)
    if _FLAT.match(a.text) and not rural:
        value = rng.randint(6_000, 70_000)
        return _right(rng, a.address_code, a.atvk, "APARTMENT", "OWNER", share, None, 0, 0,
                      ("RESIDENTIAL",), value, a.valid_from, ref)  # fmt: skip
    if not rural:
        parcel = rng.randint(500, 3_000)
        uses: tuple[str, ...] = (
            ("RESIDENTIAL", "AUXILIARY") if rng.random() < 0.5 else ("RESIDENTIAL",)
        )
        return _right(rng, a.address_code, a.atvk, "LAND", "OWNER", share, parcel, 0, 0, uses,
                      rng.randint(20_000, 150_000), a.valid_from, ref)  # fmt: skip
    big = rng.random() < OVER_LIMIT_SHARE
    parcel = rng.randint(52_000, 400_000) if big else rng.randint(3_000, 48_000)
    agri = int(parcel * rng.uniform(0.2, 0.6))
    forest = int((parcel - agri) * rng.uniform(0.0, 0.7))
    uses = ("RESIDENTIAL", "AUXILIARY", "AGRICULTURAL")[: rng.randint(1, 3)]
    value = rng.randint(15_000, 60_000) + parcel // 10
    return _right(rng, a.address_code, a.atvk, "LAND", "OWNER", share, parcel, agri, forest,
                  uses, value, a.valid_from, ref)  # fmt: skip


def _other(
    rng: random.Random, hh: BaseHousehold, since: dt.date, until: dt.date | None, ref: dt.date
) -> Right:
    muni = rng.randrange(len(places.MUNICIPALITIES))
    m = places.MUNICIPALITIES[muni]
    s = rng.randrange(len(m.settlements))
    street = rng.randrange(len(m.settlements[s].streets))
    kind = rng.choices(("garden", "forest", "apartment", "garage"), (35, 20, 30, 15))[0]
    flat = rng.randint(1, 80) if kind == "apartment" else 0
    code = places.address_code(places.address_ordinal(muni, s, street, rng.randint(1, 120), flat))
    right_kind = rng.choices(("OWNER", "LEGAL_POSSESSOR", "USER"), (85, 10, 5))[0]
    share = (1, 1) if rng.random() < 0.75 else (1, rng.choice((2, 3, 4)))
    if kind == "apartment":
        return _right(rng, code, m.atvk, "APARTMENT", right_kind, share, None, 0, 0,
                      ("RESIDENTIAL",), rng.randint(6_000, 70_000), since, ref, until)  # fmt: skip
    if kind == "garage":
        return _right(rng, code, m.atvk, "BUILDING", right_kind, share, None, 0, 0,
                      ("AUXILIARY",), rng.randint(1_000, 9_000), since, ref, until)  # fmt: skip
    parcel = rng.randint(400, 1_500) if kind == "garden" else rng.randint(10_000, 60_000)
    forest = parcel if kind == "forest" else 0
    agri = 0 if kind == "forest" else int(parcel * rng.uniform(0.0, 0.8))
    uses = ("OTHER",) if kind == "garden" and rng.random() < 0.4 else ()
    return _right(rng, code, m.atvk, "LAND", right_kind, share, parcel, agri, forest, uses,
                  rng.randint(800, 25_000), since, ref, until)  # fmt: skip


def _right(
    rng: random.Random, address_code: str, atvk: str, kind: str, right_kind: str,
    share: tuple[int, int], parcel: int | None, agri: int, forest: int,
    uses: tuple[str, ...], value: int, since: dt.date, ref: dt.date,
    until: dt.date | None = None,
) -> Right:  # fmt: skip
    muni = places.MUNICIPALITIES[places.BY_ATVK[atvk]]
    return Right(
        property_number=f"{atvk[1:3]}{address_code}",
        property_kind=kind,
        right_kind=right_kind,
        share=share,
        address_code=address_code,
        atvk=atvk,
        parcel_area_m2=parcel,
        agricultural_area_m2=agri,
        forest_area_m2=forest,
        building_use=uses,
        cadastral_value=f"{value}.{rng.randrange(100):02d}",
        value_date=dt.date(ref.year, 1, 1),
        folio_office=f"{muni.name.split()[0]} zemesgrāmatu nodaļa",
        folio_number=f"1000{rng.randrange(10**8):08d}",
        valid_from=since,
        valid_to=until,
    )
