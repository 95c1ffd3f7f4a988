"""The vehicles of the synthetic world (property.md §7): CSDD cars and VTUA machines.

Lazy and per household: a household's vehicles are drawn, when asked, from its own RNG
(``rural.registry_rng(seed, household, service)``) and its generated members, so the same seed
gives the same vehicles and no table over the population is ever built (a million persons cost
nothing until they are asked about).

Each vehicle *slot* of a household is a chain: the vehicle held on the reference day (or, for a
household that has none then, a first purchase after it), then the next ones, each bought
shortly after the previous one was sold or scrapped. The chain's dates lie in the future of the
reference day too; the register answers as of a day no later than the clock's "today", so
advancing the clock (``pop.today``) sells cars and shows the newly bought ones without any
change log. The world's vehicle history starts with the vehicle held on the reference day.

CSDD (about half the households): one car, a second one for some households (some of them
without children), and a car bought around the reference day (:data:`LATER_CAR_SHARE`: in the
year before it or the two after it, a first car for some, a second one for others: the clock
brings second cars over time), older and newer cars, newer ones often held as ``HOLDER``
(leasing), old ones scrapped (``DEREGISTERED``, the role stays on record), a few
temporarily deregistered.
VTUA: tractors, self-propelled machines and trailers for most rural households
(``rural.is_rural``), so that VZD's land and LAD's support fall on the same households.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Protocol

from tilts.mocks.world.households import draw_skeleton, household_rng
from tilts.mocks.world.rural import is_rural, registry_rng

YEAR = 365
STEPS = 4  # vehicles per chain (the last one is kept)
SLOTS = 2  # chains per household and register
RECENTLY_ENDED = dt.timedelta(days=365)  # an ended role is still listed this long
#: households buying a(nother) car on a day of the year before or the two years after the
#: reference day (about 3 % a year: second cars come over time; modelled)
LATER_CAR_SHARE, LATER_CAR_DAYS = 0.09, (-YEAR, 2 * YEAR)


@dataclass(frozen=True, slots=True)
class Vehicle:
    """One vehicle as a member holds it, over its whole generated life."""

    registration_number: str
    category: str
    make: str
    model: str
    first_registration: dt.date
    member: int  # index of the holder among the household's generated members
    role: str
    held_from: dt.date
    held_to: dt.date | None  # sold on (``None``: kept)
    deregistered: dt.date | None = None  # scrapped on (the role stays on record)
    suspended: tuple[dt.date, dt.date] | None = None  # temporarily deregistered [from, to)


@dataclass(frozen=True, slots=True)
class VehicleView:
    """A vehicle role as the register shows it on a day."""

    registration_number: str
    category: str
    make: str
    model: str
    first_registration: dt.date
    role: str
    held_from: dt.date
    held_to: dt.date | None
    status: str


class World(Protocol):
    """What the vehicles need of the population (``mocks.world.population.Population``)."""

    seed: int
    size: int
    ref: dt.date

    def household_of(self, slot: int) -> int: ...
    def household_slots(self, index: int) -> range: ...


# ------------------------------------------------------------------ catalogues (modelled)
CARS = (
    ("VOLKSWAGEN", "GOLF"), ("VOLKSWAGEN", "PASSAT"), ("TOYOTA", "COROLLA"), ("TOYOTA", "RAV4"),
    ("SKODA", "OCTAVIA"), ("VOLVO", "V70"), ("AUDI", "A4"), ("BMW", "520D"), ("OPEL", "ASTRA"),
    ("FORD", "FOCUS"), ("RENAULT", "CLIO"), ("PEUGEOT", "308"), ("KIA", "CEED"),
    ("NISSAN", "QASHQAI"),
)  # fmt: skip
VANS = (("VOLKSWAGEN", "TRANSPORTER"), ("FORD", "TRANSIT"), ("RENAULT", "KANGOO"))
BIKES = (("HONDA", "CBF600"), ("YAMAHA", "MT-07"), ("SUZUKI", "DL650"))
TRACTORS = (
    ("BELARUS", "MTZ-82"), ("JOHN DEERE", "6120M"), ("CLAAS", "ARION 430"),
    ("VALTRA", "N134"), ("ZETOR", "PROXIMA 90"), ("NEW HOLLAND", "T6.145"),
)  # fmt: skip
COMBINES = (("CLAAS", "LEXION 660"), ("JOHN DEERE", "T560"), ("FENDT", "KATANA 65"))
TRAILERS = (("PRONAR", "T655"), ("METALTECH", "DB 8"))

_LETTERS = "ABCDEFGHIJKLMNOPRSTUVZ"  # the letters of Latvian plates (no Q, W, X, Y)
_BLOCK = len(_LETTERS) ** 2 * 10_000
_MIX = 4_567_891  # coprime to the block: numbers do not follow household order


def registration_number(service: str, n: int) -> str:
    """The unique registration number of vehicle ``n`` of ``service``: CSDD ``AB1234``, VTUA
    ``T1234AB`` (ASCII capitals and digits, at most 8; three letters past the first block)."""
    if n < _BLOCK:
        n = (n * _MIX + 12_345) % _BLOCK
    digits, rest = f"{n % 10_000:04d}", n // 10_000
    letters = ""
    for _ in range(2 if rest < len(_LETTERS) ** 2 else 3):
        letters = _LETTERS[rest % len(_LETTERS)] + letters
        rest //= len(_LETTERS)
    return f"{letters}{digits}" if service == "csdd" else f"T{digits}{letters}"


# ------------------------------------------------------------------ the household's chains
@dataclass(frozen=True, slots=True)
class _Kind:
    """How one chain draws its vehicles."""

    category: str
    makes: tuple[tuple[str, str], ...]
    hold: tuple[int, int]  # days a vehicle is kept
    age: tuple[int, int]  # years a used vehicle has at purchase
    new_share: float  # bought new
    scrap_age: int  # years after which a sold-off vehicle may be scrapped instead


_CAR = _Kind("M1", CARS, (2 * YEAR, 9 * YEAR), (1, 16), 0.3, 14)
_VAN = _Kind("N1", VANS, (2 * YEAR, 9 * YEAR), (1, 12), 0.3, 14)
_BIKE = _Kind("L3", BIKES, (2 * YEAR, 10 * YEAR), (1, 15), 0.3, 20)
_TRACTOR = _Kind("TRACTOR", TRACTORS, (5 * YEAR, 20 * YEAR), (2, 35), 0.15, 25)
_COMBINE = _Kind("SELF_PROPELLED", COMBINES, (5 * YEAR, 15 * YEAR), (3, 25), 0.1, 25)
_TRAILER = _Kind("TRAILER", TRAILERS, (8 * YEAR, 25 * YEAR), (1, 30), 0.2, 30)


def _adult(birth: dt.date, on: dt.date) -> bool:
    return (on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))) >= 18


def births(pop: World, index: int) -> list[dt.date]:
    """The birth dates of household ``index``'s generated members, in member order: its
    skeleton redrawn (stage 1 of ``mocks/world/households.py``: no names, no address)."""
    size = len(pop.household_slots(index))
    skeleton = draw_skeleton(household_rng(pop.seed, index), size, pop.ref)
    return [m.birth_date for m in skeleton.members]


def household_vehicles(
    seed: int, index: int, born: list[dt.date], ref: dt.date, service: str
) -> tuple[Vehicle, ...]:
    """Every vehicle of household ``index`` (its members born on ``born``) in register
    ``service`` (``csdd`` or ``vtua``)."""
    rng = registry_rng(seed, index, service)
    adults = [i for i, birth in enumerate(born) if _adult(birth, ref)]
    if not adults:
        return ()
    children = len(adults) < len(born)
    plan = (_csdd_plan if service == "csdd" else _vtua_plan)(rng, seed, index, children, adults)
    if service == "csdd" and len(plan) < SLOTS:  # its own RNG: the drawn chains stay as they were
        later = registry_rng(seed, index, "csdd:later")
        if later.random() < LATER_CAR_SHARE:
            plan.append((_CAR, adults[-1], later.randint(*LATER_CAR_DAYS)))
    out: list[Vehicle] = []
    for slot, (kind, member, start) in enumerate(plan[:SLOTS]):
        birth = born[member]
        earliest = dt.date(birth.year + 18, 1, 1) + dt.timedelta(days=366)
        out += _chain(rng, service, index * SLOTS + slot, kind, member, start, ref, earliest)
    return tuple(out)


_Plan = list[tuple[_Kind, int, int]]  # (kind, member, days from the reference day to purchase)


def _csdd_plan(
    rng: random.Random, seed: int, index: int, children: bool, adults: list[int]
) -> _Plan:
    del seed, index
    r = rng.random()
    if r >= 0.58:  # no vehicle on the reference day; a few buy one later
        return [(_CAR, adults[0], rng.randint(1, 2 * YEAR))] if r < 0.64 else []
    first = _CAR if r < 0.5 else (_VAN if r < 0.55 else _BIKE)
    plan: _Plan = [(first, adults[0], -rng.randint(0, 8 * YEAR))]
    second = 0.2 if not children and len(adults) > 1 else 0.08
    if rng.random() < second:  # a second car: some couples without children, some families
        plan.append((_CAR, adults[-1], -rng.randint(0, 6 * YEAR)))
    return plan


def _vtua_plan(
    rng: random.Random, seed: int, index: int, children: bool, adults: list[int]
) -> _Plan:
    del children
    if not is_rural(seed, index) or rng.random() >= 0.6:
        return []
    plan: _Plan = [(_TRACTOR, adults[0], -rng.randint(0, 12 * YEAR))]
    r = rng.random()
    if r < 0.25:
        plan.append((_COMBINE, adults[0], -rng.randint(0, 10 * YEAR)))
    elif r < 0.55:
        plan.append((_TRAILER, adults[0], -rng.randint(0, 15 * YEAR)))
    return plan


def _chain(
    rng: random.Random,
    service: str,
    number: int,
    kind: _Kind,
    member: int,
    start: int,
    ref: dt.date,
    earliest: dt.date,
) -> list[Vehicle]:
    out: list[Vehicle] = []
    bought = max(ref + dt.timedelta(days=start), earliest)
    for step in range(STEPS):
        make, model = kind.makes[rng.randrange(len(kind.makes))]
        new = rng.random() < kind.new_share
        years = 0 if new else rng.randint(*kind.age)
        first = max(bought - dt.timedelta(days=years * YEAR + rng.randrange(60)), _OLDEST)
        role = "HOLDER" if new and rng.random() < 0.5 else "OWNER"
        if rng.random() < 0.02:
            role = "KEEPER"
        kept = rng.randint(*kind.hold)
        until = bought + dt.timedelta(days=kept) if step < STEPS - 1 else None
        scrapped = None
        old = until is not None and (until - first).days > kind.scrap_age * YEAR
        if old and rng.random() < 0.5:
            scrapped, until = until, None  # scrapped: the role stays on record
        suspended = None
        if rng.random() < 0.04:
            off = bought + dt.timedelta(days=rng.randint(60, 400))
            suspended = (off, off + dt.timedelta(days=rng.randint(60, 300)))
        out.append(
            Vehicle(
                registration_number(service, number * STEPS + step),
                kind.category,
                make,
                model,
                first,
                member,
                role,
                bought,
                until,
                scrapped,
                suspended,
            )
        )
        end = until or scrapped
        if end is None:
            break
        bought = end + dt.timedelta(days=rng.randint(0, 45))
    return out


_OLDEST = dt.date(1960, 1, 1)


# ------------------------------------------------------------------ the register's view
def status_on(vehicle: Vehicle, day: dt.date) -> str:
    """``registrationStatus`` of ``vehicle`` on ``day``."""
    if vehicle.deregistered is not None and vehicle.deregistered <= day:
        return "DEREGISTERED"
    if vehicle.suspended is not None and vehicle.suspended[0] <= day < vehicle.suspended[1]:
        return "TEMPORARILY_DEREGISTERED"
    return "REGISTERED"


def held_on(
    vehicles: tuple[Vehicle, ...], member: int, day: dt.date, closed: dt.date | None = None
) -> list[VehicleView]:
    """The roles ``member`` holds on ``day``, and those ended in the year before it; a closed
    record (death, emigration on ``closed``) ends every role that day."""
    out = []
    for v in vehicles:
        if v.member != member or v.held_from > day:
            continue
        if closed is not None and closed < v.held_from:
            continue
        end = v.held_to
        if closed is not None and (end is None or closed < end):
            end = closed
        if end is not None and end > day:
            end = None  # not known yet on ``day``
        if end is not None and day - end > RECENTLY_ENDED:
            continue
        out.append(
            VehicleView(
                v.registration_number,
                v.category,
                v.make,
                v.model,
                v.first_registration,
                v.role,
                v.held_from,
                end,
                status_on(v, day),
            )
        )
    return sorted(out, key=lambda w: (w.held_from, w.registration_number))


def vehicles_of(
    pop: World, slot: int, day: dt.date, service: str, closed: dt.date | None = None
) -> list[VehicleView]:
    """What register ``service`` shows of the person in ``slot`` on ``day`` (a newborn of the
    clock holds nothing)."""
    if slot >= pop.size:
        return []
    index = pop.household_of(slot)
    fleet = household_vehicles(pop.seed, index, births(pop, index), pop.ref, service)
    return held_on(fleet, slot - pop.household_slots(index).start, day, closed)
