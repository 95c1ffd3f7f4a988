"""Data types and date helpers shared by the fact generators (:mod:`mocks.world.facts`)."""

from __future__ import annotations

import datetime as dt
import functools
import random
from dataclasses import dataclass, field

from tilts.assessment.rules import Rate, default_rules
from tilts.mocks.world import places

POOR, LOW, MID = "POOR", "LOW", "MID"

# The income bands are drawn against the assessment's rows in force on this day (the year the
# demo's assessments run in); a municipality without its own row uses Ogre's.
BAND_RULES_DAY = dt.date(2026, 11, 1)
PENSION_AGE = 65


def month_index(d: dt.date) -> int:
    """Months since year 0: ``2026-11-xx`` → ``2026 * 12 + 10``."""
    return d.year * 12 + d.month - 1


def month_str(mi: int) -> str:
    """``YYYY-MM`` of a month index."""
    return f"{mi // 12:04d}-{mi % 12 + 1:02d}"


def month_start(mi: int) -> dt.date:
    """First day of a month index."""
    return dt.date(mi // 12, mi % 12 + 1, 1)


@dataclass(frozen=True, slots=True)
class Employer:
    """An employer of the synthetic economy."""

    reg_no: str
    name: str


_EMP_A = (
    "Ogres",
    "Tukuma",
    "Kandavas",
    "Baltijas",
    "Vidzemes",
    "Kurzemes",
    "Zemgales",
    "Daugavas",
    "Gaujas",
    "Rīgas",
    "Jūras",
    "Meža",
    "Lielvārdes",
    "Ikšķiles",
    "Engures",
)
_EMP_B = (
    "Koks",
    "Būve",
    "Serviss",
    "Loģistika",
    "Maiznīca",
    "Piens",
    "Auto",
    "Enerģija",
    "Aptieka",
    "Tirdzniecība",
    "Metāls",
    "Tekstils",
    "Dārzs",
    "Transports",
    "IT",
)


class EmployerPool:
    """A deterministic pool of employers: companies (``4000…``) and public bodies (``9000…``)."""

    def __init__(self, seed: int, size: int) -> None:
        rng = random.Random(f"{seed}:employers")
        self.employers: list[Employer] = []
        seen: set[str] = set()
        while len(self.employers) < size:
            public = rng.random() < 0.08
            reg = f"{'9000' if public else '4000'}{rng.randrange(10_000_000):07d}"
            if reg in seen:
                continue
            seen.add(reg)
            a, b = rng.choice(_EMP_A), rng.choice(_EMP_B)
            name = (
                f"{a} {rng.choice(('skola', 'slimnīca', 'pašvaldības aģentūra'))}"
                if public
                else f'SIA "{a} {b}"'
            )
            self.employers.append(Employer(reg, name))

    def pick(self, rng: random.Random) -> int:
        return rng.randrange(len(self.employers))


@dataclass(frozen=True, slots=True)
class Decision:
    """A VDEĀVK disability decision (registries.md §3)."""

    decision_number: str
    decision_date: dt.date
    subject: str
    group: str | None
    work_capacity_loss_percent: int | None
    valid_from: dt.date
    valid_to: dt.date | None
    lifelong: bool
    special_care_need: bool


@dataclass(frozen=True, slots=True)
class Stream:
    """A monthly income stream: a VSAA benefit (``source="VSAA"``) or a VID income type.

    ``net`` is the monthly paid/net amount (VID amounts jitter by ±4 % a month); months are
    inclusive month indices.
    ``months_of_year`` limits a stream to some calendar months (a teenager's summer job).
    """

    source: str
    kind: str
    net: float
    start: int
    end: int | None
    employer: int | None = None
    pay_day: int = 12
    months_of_year: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Job:
    """An employment relationship (VID)."""

    employer: int
    start: dt.date
    end: dt.date | None


@dataclass(frozen=True, slots=True)
class Registration:
    """An NVA registration period, with its active labour-market measure if any."""

    kind: str
    since: dt.date
    ended_on: dt.date | None
    end_reason: str | None
    measure: tuple[str, dt.date, dt.date, bool] | None = None
    #: the measure's monthly pay (public works, a start-up grant), EUR; ``None``: no pay
    measure_pay: float | None = None


@dataclass(slots=True)
class PersonFacts:
    """Every registry fact of one person, as timelines."""

    decisions: list[Decision] = field(default_factory=list)
    streams: list[Stream] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
    children_fsb: list[dt.date] = field(default_factory=list)  # birth dates of FSB children


@dataclass(slots=True)
class HouseholdFacts:
    """Facts of a household: its income band, target, and per-member facts."""

    band: str
    target: float
    members: list[PersonFacts]


def age_on(birth: dt.date, day: dt.date) -> int:
    """Full years of age on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def add_days(d: dt.date, n: int) -> dt.date:
    return d + dt.timedelta(days=n)


def birthday(birth: dt.date, years: int) -> dt.date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return birth.replace(year=birth.year + years, day=28)


@functools.cache
def _rates(atvk: str) -> tuple[Rate, Rate]:
    """The (poor, low-income) rates of ``atvk`` from the assessment's rules, not a copy of them."""
    rules = default_rules()
    national = rules.national_row_on(BAND_RULES_DAY)
    local = rules.municipality_row_on(atvk, BAND_RULES_DAY) or rules.municipality_row_on(
        places.OGRE, BAND_RULES_DAY
    )
    if national is None or local is None:
        raise LookupError(f"the assessment rules have no threshold row on {BAND_RULES_DAY}")
    return national.poor, local.low_income


def thresholds(atvk: str, size: int) -> tuple[float, float]:
    """(poor, low-income) household thresholds for ``size`` members, EUR per month.

    Read from :mod:`tilts.assessment.rules` (the rows the calculator uses) on
    :data:`BAND_RULES_DAY`, so the drawn bands follow the rules if they change.
    """
    poor, low = _rates(atvk)
    return float(poor.for_household(size)), float(low.for_household(size))


@dataclass(slots=True)
class Part:
    """A counted income stream whose amount is a share of the household's target."""

    source: str
    kind: str
    weight: float
    start: int
    end: int | None
    employer: int | None = None
