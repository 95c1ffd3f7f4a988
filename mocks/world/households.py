"""Deterministic generation of one household from ``(seed, household index)``.

Every household is drawn from its own RNG, ``random.Random(f"{seed}:{index}")``, in two stages
that always consume the RNG in the same order:

1. :func:`draw_skeleton` — municipality, members (role, sex, birth date) and personal codes.
   The population index needs only this stage, so building the index of a million persons
   never draws a name or an address.
2. :func:`build_household` — repeats stage 1 on a fresh RNG, then draws names, citizenship,
   the declared address and the relations.

Codes drawn in stage 1 can collide across households; the population resolves collisions once
when it builds its index and hands the final codes back to :func:`build_household`.
"""

from __future__ import annotations

import datetime as dt
import operator
import random
from dataclasses import dataclass, field

from faker import Faker

from tilts.mocks.world import places

NEW_FORMAT_SINCE = dt.date(2017, 7, 1)
NEW_CODE_FAIL_RATE = 0.1  # registries.md §1.3: about one new-format code in ten fails the checksum

# Roles inside a generated household.
HEAD, PARTNER, CHILD, ELDER, OTHER, WARD = "HEAD", "PARTNER", "CHILD", "ELDER", "OTHER", "WARD"

_TYPES: tuple[tuple[str, int], ...] = (
    ("single_pensioner", 15),
    ("single_adult", 17),
    ("couple_pensioners", 8),
    ("couple", 10),
    ("couple_children", 20),
    ("single_parent", 9),
    ("three_generations", 5),
    ("pensioner_adult_child", 5),
    ("shared", 4),
    ("couple_adult_child", 6),
    ("guardian_child", 1),
)
_TYPE_CUM: list[int] = []
_acc = 0
for _name, _w in _TYPES:
    _acc += _w
    _TYPE_CUM.append(_acc)
_TYPE_TOTAL = _acc

_FOREIGN = ("RUS", "UKR", "LTU", "EST", "BLR", "POL", "DEU")


@dataclass(slots=True)
class SkeletonMember:
    """Stage-1 facts of a member: enough to build the code index."""

    role: str
    sex: str
    birth_date: dt.date
    code: int
    previous_code: int | None  # set for persons who already changed code (old -> new)
    immigrant: bool


@dataclass(slots=True)
class Skeleton:
    """Stage-1 facts of a household."""

    kind: str
    muni: int
    members: list[SkeletonMember]


@dataclass(slots=True)
class BasePerson:
    """A person as generated (before any clock change)."""

    member: int
    role: str
    sex: str
    birth_date: dt.date
    code: str
    previous_code: str | None
    citizenship: str
    given_name: str
    surname: str
    address_from: dt.date


@dataclass(slots=True)
class BaseRelation:
    """``subject``'s relation of ``kind`` to ``other`` (members of the same household)."""

    subject: int
    kind: str
    other: int
    valid_from: dt.date
    valid_to: dt.date | None = None


@dataclass(slots=True)
class BaseHousehold:
    """A household as generated: members, shared address, relations."""

    index: int
    kind: str
    atvk: str
    address: places.Address
    members: list[BasePerson]
    relations: list[BaseRelation] = field(default_factory=list)


class NamePool:
    """Latvian names drawn once from Faker ``lv_LV`` and picked with the household RNG.

    Seeding Faker per household costs ~15 µs; picking from pre-drawn lists ~0.3 µs.
    Surnames are drawn in the male form; the female form follows the Latvian endings.
    """

    def __init__(self, seed: int, draws: int = 600) -> None:
        fake = Faker("lv_LV")
        fake.seed_instance(seed)
        self.male = [fake.first_name_male() for _ in range(draws)]
        self.female = [fake.first_name_female() for _ in range(draws)]
        self.surnames = [fake.last_name_male() for _ in range(draws)]

    def given(self, rng: random.Random, sex: str) -> str:
        pool = self.male if sex == "M" else self.female
        return pool[rng.randrange(len(pool))]

    def surname(self, rng: random.Random) -> str:
        return self.surnames[rng.randrange(len(self.surnames))]


def surname_form(male: str, sex: str) -> str:
    """The form of a (male) Latvian surname for ``sex``: Bērziņš → Bērziņa, Alksnis → Alksne."""
    if sex == "M":
        return male
    if male.endswith("is"):
        return male[:-2] + "e"
    if male.endswith("us"):
        return male[:-2] + "a"
    if male.endswith(("s", "š")):
        return male[:-1] + "a"
    return male


_WEIGHTS = (1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def check_digit(first_ten: str) -> int | None:
    """The old-format check digit (same rule as
    :func:`tilts.kernel.personal_code.old_format_check_digit`, written with ``map`` because
    generation calls it a million times)."""
    check = (1101 - sum(map(operator.mul, map(int, first_ten), _WEIGHTS))) % 11
    return None if check == 10 else check


def old_code(rng: random.Random, birth: dt.date) -> int:
    """An old-format code with a valid check digit for ``birth``."""
    century = 1 if birth.year < 2000 else 2 if birth.year >= 2000 else 0
    head = f"{birth.day:02d}{birth.month:02d}{birth.year % 100:02d}{century}"
    while True:
        first_ten = f"{head}{rng.randrange(1000):03d}"
        check = check_digit(first_ten)
        if check is not None:
            return int(first_ten) * 10 + check


def new_code(rng: random.Random) -> int:
    """A new-format code (``3`` then 2-9); ~90 % pass the old checksum, ~10 % fail it."""
    fail = rng.random() < NEW_CODE_FAIL_RATE
    while True:
        first_ten = f"3{rng.randrange(2, 10)}{rng.randrange(100_000_000):08d}"
        check = check_digit(first_ten)
        if fail:
            last = rng.randrange(10)
            if check is not None and last == check:
                last = (last + 1 + rng.randrange(9)) % 10
            return int(first_ten) * 10 + last
        if check is not None:
            return int(first_ten) * 10 + check


def _birth(rng: random.Random, ref: int, age: int) -> dt.date:
    return dt.date.fromordinal(ref - age * 365 - age // 4 - rng.randrange(365))


def _member(rng: random.Random, ref: int, role: str, age: int, sex: str) -> SkeletonMember:
    birth = _birth(rng, ref, max(age, 0))
    if birth >= NEW_FORMAT_SINCE:
        return SkeletonMember(role, sex, birth, new_code(rng), None, False)
    r = rng.random()
    if r < 0.03:  # registered after 2017-07 (immigrant, late registration): new code only
        return SkeletonMember(role, sex, birth, new_code(rng), None, True)
    old = old_code(rng, birth)
    if r < 0.05:  # already changed code once (old -> new)
        return SkeletonMember(role, sex, birth, new_code(rng), old, False)
    return SkeletonMember(role, sex, birth, old, None, False)


def _sex(rng: random.Random) -> str:
    return "M" if rng.random() < 0.5 else "F"


def _other_sex(sex: str) -> str:
    return "F" if sex == "M" else "M"


def _children(rng: random.Random, n: int, max_age: int) -> list[tuple[str, int, str]]:
    top = max(0, min(17, max_age))
    return [(CHILD, rng.randint(0, top), _sex(rng)) for _ in range(n)]


def _compose(rng: random.Random) -> tuple[str, list[tuple[str, int, str]]]:
    pick = rng.randrange(_TYPE_TOTAL)
    kind = next(name for (name, _), cum in zip(_TYPES, _TYPE_CUM, strict=True) if pick < cum)
    sex = _sex(rng)
    if kind == "single_pensioner":
        return kind, [(HEAD, rng.randint(65, 95), "F" if rng.random() < 0.65 else "M")]
    if kind == "single_adult":
        return kind, [(HEAD, rng.randint(19, 64), sex)]
    if kind == "couple_pensioners":
        age = rng.randint(65, 90)
        return kind, [
            (HEAD, age, sex),
            (PARTNER, max(60, age + rng.randint(-4, 4)), _other_sex(sex)),
        ]
    if kind == "couple":
        age = rng.randint(22, 64)
        return kind, [
            (HEAD, age, sex),
            (PARTNER, max(19, age + rng.randint(-5, 5)), _other_sex(sex)),
        ]
    if kind in ("couple_children", "three_generations"):
        age = rng.randint(24, 50)
        members = [(HEAD, age, sex), (PARTNER, max(20, age + rng.randint(-4, 4)), _other_sex(sex))]
        members += _children(rng, rng.choice((1, 1, 2, 2, 2, 3, 3, 4)), age - 19)
        if kind == "three_generations":
            members.append(
                (ELDER, rng.randint(max(65, age + 20), max(66, min(95, age + 40))), _sex(rng))
            )
        return kind, members
    if kind == "single_parent":
        age = rng.randint(20, 55)
        head_sex = "F" if rng.random() < 0.85 else "M"
        return kind, [(HEAD, age, head_sex), *_children(rng, rng.choice((1, 1, 2, 3)), age - 18)]
    if kind == "pensioner_adult_child":
        age = rng.randint(62, 90)
        return kind, [
            (HEAD, age, sex),
            (CHILD, rng.randint(max(19, age - 45), age - 20), _sex(rng)),
        ]
    if kind == "shared":
        return kind, [(HEAD, rng.randint(19, 64), sex)] + [
            (OTHER, rng.randint(19, 64), _sex(rng)) for _ in range(rng.randint(1, 2))
        ]
    if kind == "couple_adult_child":
        age = rng.randint(42, 64)
        members = [
            (HEAD, age, sex),
            (PARTNER, max(38, age + rng.randint(-4, 4)), _other_sex(sex)),
            (CHILD, rng.randint(18, min(30, age - 20)), _sex(rng)),
        ]
        if rng.random() < 0.3:
            members.append((CHILD, rng.randint(12, 17), _sex(rng)))
        return kind, members
    # guardian_child: a grandparent (or other relative) appointed guardian of children
    age = rng.randint(50, 75)
    return kind, [
        (HEAD, age, sex),
        *[(WARD, rng.randint(3, 17), _sex(rng)) for _ in range(rng.randint(1, 2))],
    ]


def draw_muni(rng: random.Random) -> int:
    """Municipality index: ~46 % Ogres novads, ~46 % Tukuma novads, ~8 % elsewhere."""
    r = rng.random()
    if r < 0.46:
        return places.BY_ATVK[places.OGRE]
    if r < 0.92:
        return places.BY_ATVK[places.TUKUMS]
    return places.BY_ATVK[places.OTHER_ATVKS[rng.randrange(len(places.OTHER_ATVKS))]]


def draw_skeleton(rng: random.Random, cap: int, ref: dt.date) -> Skeleton:
    """Stage 1: municipality, members and codes; at most ``cap`` members."""
    muni = draw_muni(rng)
    kind, plan = _compose(rng)
    ref_ord = ref.toordinal()
    members = [_member(rng, ref_ord, role, age, sex) for role, age, sex in plan[: min(cap, 6)]]
    return Skeleton(kind, muni, members)


def household_rng(seed: int, index: int) -> random.Random:
    """The RNG of household ``index`` (the same for both stages)."""
    return random.Random(f"{seed}:{index}")


def _years_after(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _date_between(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    if hi <= lo:
        return lo
    return dt.date.fromordinal(rng.randint(lo.toordinal(), hi.toordinal()))


def build_household(
    seed: int,
    index: int,
    cap: int,
    ref: dt.date,
    names: NamePool,
    codes: list[tuple[int, int | None]] | None = None,
) -> BaseHousehold:
    """Stage 1 + 2: the whole household ``index``.

    Args:
        seed: population seed.
        index: household index.
        cap: maximum number of members (the last household of a population may be cut).
        ref: the reference date ages were drawn against (the configured initial "today").
        names: the name pool of this seed.
        codes: final (current, previous) codes per member after collision resolution; when
            ``None`` the drawn codes are used.
    """
    rng = household_rng(seed, index)
    sk = draw_skeleton(rng, cap, ref)
    muni = places.MUNICIPALITIES[sk.muni]
    # Address: the main town of the municipality half of the time.
    s_idx = 0 if rng.random() < 0.5 else rng.randrange(len(muni.settlements))
    settlement = muni.settlements[s_idx]
    st_idx = rng.randrange(len(settlement.streets))
    house = rng.randint(1, 120)
    flat = rng.randint(1, 80) if rng.random() < 0.6 else 0
    oldest_adult = min(m.birth_date for m in sk.members)
    moved_in = _date_between(
        rng, max(_years_after(oldest_adult, 18), ref - dt.timedelta(7300)), ref - dt.timedelta(30)
    )
    ordinal = places.address_ordinal(sk.muni, s_idx, st_idx, house, flat)
    address = places.Address(
        places.address_code(ordinal),
        muni.atvk,
        places.address_text(sk.muni, s_idx, st_idx, house, flat),
        moved_in,
    )
    family = names.surname(rng)
    persons: list[BasePerson] = []
    for i, m in enumerate(sk.members):
        code, previous = codes[i] if codes is not None else (m.code, m.previous_code)
        own_surname = m.role in (OTHER, ELDER) or (m.role == PARTNER and rng.random() < 0.3)
        base = names.surname(rng) if own_surname else family
        foreign = rng.random() < (0.7 if m.immigrant else 0.06)
        persons.append(
            BasePerson(
                member=i,
                role=m.role,
                sex=m.sex,
                birth_date=m.birth_date,
                code=f"{code:011d}",
                previous_code=None if previous is None else f"{previous:011d}",
                citizenship=_FOREIGN[rng.randrange(len(_FOREIGN))] if foreign else "LVA",
                given_name=names.given(rng, m.sex),
                surname=surname_form(base, m.sex),
                address_from=max(moved_in, m.birth_date),
            )
        )
    hh = BaseHousehold(index, sk.kind, muni.atvk, address, persons)
    _relate(rng, hh)
    return hh


def _relate(rng: random.Random, hh: BaseHousehold) -> None:
    """Relations inside the household; ``kind`` is the other person's role for the subject."""
    rel = hh.relations
    members = hh.members
    head = members[0]
    partner = next((p for p in members if p.role == PARTNER), None)
    if partner is not None and rng.random() < 0.75:
        earliest = _years_after(max(head.birth_date, partner.birth_date), 20)
        married = _date_between(rng, earliest, max(earliest, hh.address.valid_from))
        rel.append(BaseRelation(head.member, "SPOUSE", partner.member, married))
        rel.append(BaseRelation(partner.member, "SPOUSE", head.member, married))
    parents = [head] + ([partner] if partner is not None else [])
    for p in members:
        if p.role == CHILD:
            for parent in parents:
                if parent.birth_date < p.birth_date:
                    rel.append(BaseRelation(parent.member, "CHILD", p.member, p.birth_date))
                    rel.append(BaseRelation(p.member, "PARENT", parent.member, p.birth_date))
        elif p.role == ELDER:
            rel.append(BaseRelation(head.member, "PARENT", p.member, head.birth_date))
            rel.append(BaseRelation(p.member, "CHILD", head.member, head.birth_date))
        elif p.role == WARD:
            appointed = _date_between(rng, p.birth_date, hh.address.valid_from)
            rel.append(BaseRelation(p.member, "GUARDIAN", head.member, appointed))
