"""The clock's changes to the population: an overlay of events and the global change log.

Advancing the clock by a day draws ``round(change_rate × living persons)`` changes with
``random.Random(f"{seed}:day:{date}")`` — deterministic for the same history. Each change adds
dated events to the persons it touches and, per touched person, an entry to the append-only
change log (sequence numbers 1, 2, …), which feeds PMLP ``getChanges``:

* death (mostly persons over 60): ``DEATH``, register status ``PASSIVE`` — log ``DEATH``;
* emigration: register status ``PASSIVE``, no declared address — log ``STATUS``;
* move of the whole household or of one adult (to the same ATVK, the other demo municipality
  or elsewhere, and from elsewhere into both): a new declared address — log ``ADDRESS``;
* name change (surname or given name) — log ``NAME``;
* code change (old → new format, once): the old code becomes previous — log ``CODE``;
* birth: a newborn joins the mother's household, the parents get a ``CHILD`` relation — log
  ``RELATIONS`` for each parent (nobody monitors the newborn yet);
* divorce: both ``SPOUSE`` relations get ``validTo`` — log ``RELATIONS`` for both.

Views apply only events dated on or before the asked date, so ``asOfDate`` works on history.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol, cast
from zoneinfo import ZoneInfo

from tilts.kernel.personal_code import is_new_format
from tilts.mocks.world import households, places
from tilts.mocks.world.facts import age_on
from tilts.mocks.world.households import BaseHousehold, BasePerson, NamePool
from tilts.mocks.world.timeline import Closure
from tilts.mocks.world.views import PersonView, Relation, household_id

DEFAULT_CHANGE_RATE = 0.002
RIGA = ZoneInfo("Europe/Riga")
_KINDS = ("ADDRESS", "DEATH", "STATUS", "NAME", "CODE", "RELATIONS")
_WEIGHTS = (50, 10, 5, 10, 10, 15)


class Generated(Protocol):
    """What the overlay reads of the generated population underneath it.

    :class:`~mocks.world.population.Population` is one; naming only these members keeps the
    overlay from importing the population that holds it.
    """

    seed: int
    size: int
    ref: dt.date
    names: NamePool

    def household_slots(self, index: int) -> range: ...
    def household_of(self, slot: int) -> int: ...
    def base_household(self, index: int) -> BaseHousehold: ...
    def base_code(self, slot: int) -> str: ...
    def base_muni_atvk(self, slot: int) -> str: ...
    def resolve(self, code: str) -> int | None: ...


@dataclass(frozen=True, slots=True)
class ChangeEntry:
    """One entry of the change log."""

    seq: int
    slot: int
    kind: str
    changed_at: dt.datetime


@dataclass(slots=True)
class Event:
    """A dated change to one person (``kind``: ADDRESS, DEATH, EMIGRATION, NAME, CODE,
    REL_ADD, REL_END)."""

    on: dt.date
    kind: str
    value: object = None


@dataclass(slots=True)
class Extra:
    """A person born after generation (slot ≥ population size)."""

    slot: int
    household: int
    person: BasePerson
    address: places.Address | None
    relations: list[tuple[str, int, dt.date]]


@dataclass(slots=True)
class Rel:
    """A relation of a state to another slot."""

    kind: str
    other: int
    valid_from: dt.date
    valid_to: dt.date | None = None


@dataclass(slots=True)
class State:
    """A person's register state on a date, with relations to other *slots*."""

    slot: int
    household: int
    code: str
    previous: list[str]
    given_name: str
    surname: str
    person: BasePerson
    status: str = "ACTIVE"
    death: dt.date | None = None
    address: places.Address | None = None
    rels: list[Rel] = field(default_factory=list)


class Overlay:
    """Mutable changes on top of the generated population (dropped by a reset)."""

    def __init__(self, pop: Generated) -> None:
        self.pop = pop
        self.today = pop.ref
        self.events: dict[int, list[Event]] = {}
        self.log: list[ChangeEntry] = []
        self._new_codes: dict[str, int] = {}
        self._extras: list[Extra] = []
        self._extras_by_hh: dict[int, list[int]] = {}
        self._atvk: dict[int, str | None] = {}
        self._code: dict[int, str] = {}
        self._closed: dict[int, Closure] = {}

    # ------------------------------------------------------------------ queries
    def newborn(self, slot: int) -> Extra:
        return self._extras[slot - self.pop.size]

    def extras_of(self, household: int) -> list[int]:
        return self._extras_by_hh.get(household, [])

    def slot_of_new_code(self, code: str) -> int | None:
        return self._new_codes.get(code)

    def current_code(self, slot: int) -> str:
        return self._code.get(slot) or self.pop.base_code(slot)

    def all_codes(self, slot: int) -> list[str]:
        """Every code the slot has held (generated previous, generated, clock-issued)."""
        st = self.state(slot, dt.date.max)
        return [] if st is None else [*st.previous, st.code]

    def current_atvk(self, slot: int) -> str | None:
        if slot in self._atvk:
            return self._atvk[slot]
        return self.pop.base_muni_atvk(slot)

    def current_status(self, slot: int) -> str:
        return "PASSIVE" if slot in self._closed else "ACTIVE"

    def closure(self, slot: int) -> Closure | None:
        c = self._closed.get(slot)
        return c if c is not None and c.on <= self.today else None

    def code_at(self, slot: int, as_of: dt.date) -> str:
        code = self.pop.base_code(slot)
        for ev in self.events.get(slot, ()):
            if ev.on > as_of:
                break
            if ev.kind == "CODE":
                code = str(ev.value)
        return code

    def state(self, slot: int, as_of: dt.date) -> State | None:
        """The register state of ``slot`` on ``as_of`` (``None`` before a newborn's birth)."""
        pop = self.pop
        if slot >= pop.size:
            x = self.newborn(slot)
            if x.person.birth_date > as_of:
                return None
            p, h, address = x.person, x.household, x.address
            rels = [Rel(k, o, f) for k, o, f in x.relations]
        else:
            h = pop.household_of(slot)
            hh = pop.base_household(h)
            start = pop.household_slots(h).start
            p = hh.members[slot - start]
            a = hh.address
            address = places.Address(a.address_code, a.atvk, a.text, p.address_from)
            rels = [
                Rel(r.kind, start + r.other, r.valid_from, r.valid_to)
                for r in hh.relations
                if r.subject == p.member
            ]
        st = State(
            slot,
            h,
            p.code,
            [p.previous_code] if p.previous_code else [],
            p.given_name,
            p.surname,
            p,
            address=address,
            rels=rels,
        )
        for ev in self.events.get(slot, ()):
            if ev.on > as_of:
                break
            _apply_event(st, ev)
        return st

    def view(self, slot: int, as_of: dt.date) -> PersonView | None:
        """The public :class:`~mocks.world.population.PersonView` of ``slot`` on ``as_of``."""
        st = self.state(slot, as_of)
        if st is None:
            return None
        relations = tuple(
            Relation(r.kind, self.code_at(r.other, as_of), r.valid_from, r.valid_to)
            for r in st.rels
        )
        p = st.person
        return PersonView(
            st.slot,
            household_id(st.household),
            st.code,
            tuple(st.previous),
            st.given_name,
            st.surname,
            p.birth_date,
            p.sex,
            p.citizenship,
            st.status,
            st.death,
            st.address,
            relations,
        )

    # ------------------------------------------------------------------ clock
    def advance(self, days: int, change_rate: float | None = None) -> dict[str, int]:
        rate = DEFAULT_CHANGE_RATE if change_rate is None else change_rate
        counts: Counter[str] = Counter()
        for _ in range(days):
            self.today += dt.timedelta(days=1)
            rng = random.Random(f"{self.pop.seed}:day:{self.today.isoformat()}")
            total = self.pop.size + len(self._extras)
            expected = rate * (total - len(self._closed))
            n = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
            for k in range(n):
                at = dt.datetime.combine(self.today, dt.time(6), RIGA) + dt.timedelta(
                    seconds=int((k + 1) * 54_000 / (n + 1))
                )
                kind = rng.choices(_KINDS, _WEIGHTS)[0]
                for _attempt in range(8):
                    slot = rng.randrange(total)
                    if slot in self._closed:
                        continue
                    st = self.state(slot, self.today)
                    if st is not None and self._change(kind, rng, st, at):
                        counts[kind] += 1
                        break
        return dict(counts)

    def _add(
        self, slot: int, kind: str, value: object, log_kind: str | None, at: dt.datetime
    ) -> None:
        evs = self.events.setdefault(slot, [])
        evs.append(Event(self.today, kind, value))
        if len(evs) > 1 and evs[-2].on > self.today:  # the clock was set back: keep order
            evs.sort(key=lambda e: e.on)
        if log_kind is not None:
            self.log.append(ChangeEntry(len(self.log) + 1, slot, log_kind, at))

    def _change(self, kind: str, rng: random.Random, st: State, at: dt.datetime) -> bool:
        age = age_on(st.person.birth_date, self.today)
        if kind == "DEATH":
            if age < 60 and rng.random() > 0.1:
                return False
            self._add(st.slot, "DEATH", None, "DEATH", at)
            self._closed[st.slot] = Closure(self.today, "DEATH")
        elif kind == "STATUS":
            if age < 18:
                return False
            self._add(st.slot, "EMIGRATION", None, "STATUS", at)
            self._closed[st.slot] = Closure(self.today, "LEFT_COUNTRY")
            self._atvk[st.slot] = None
        elif kind == "ADDRESS":
            return self._move(rng, st, age, at)
        elif kind == "NAME":
            if age < 18:
                return False
            if rng.random() < 0.7:
                name = (
                    st.given_name,
                    households.surname_form(self.pop.names.surname(rng), st.person.sex),
                )
            else:
                name = (self.pop.names.given(rng, st.person.sex), st.surname)
            self._add(st.slot, "NAME", name, "NAME", at)
        elif kind == "CODE":
            if st.previous or is_new_format(st.code):
                return False
            new = self._fresh_code(rng)
            self._new_codes[new] = st.slot
            self._code[st.slot] = new
            self._add(st.slot, "CODE", new, "CODE", at)
        else:
            return self._relations(rng, st, age, at)
        return True

    def _fresh_code(self, rng: random.Random) -> str:
        while True:
            code = f"{households.new_code(rng):011d}"
            if self.pop.resolve(code) is None:
                return code

    def _move(self, rng: random.Random, st: State, age: int, at: dt.datetime) -> bool:
        if st.address is None:
            return False
        current = st.address.atvk
        r = rng.random()
        if current in places.DEMO_ATVKS:
            other = places.TUKUMS if current == places.OGRE else places.OGRE
            atvk = current if r < 0.5 else other if r < 0.7 else rng.choice(places.OTHER_ATVKS)
        else:
            atvk = places.OGRE if r < 0.4 else places.TUKUMS if r < 0.8 else current
        muni = places.BY_ATVK[atvk]
        m = places.MUNICIPALITIES[muni]
        s = rng.randrange(len(m.settlements))
        street = rng.randrange(len(m.settlements[s].streets))
        house, flat = rng.randint(1, 120), (rng.randint(1, 80) if rng.random() < 0.6 else 0)
        address = places.Address(
            places.address_code(places.address_ordinal(muni, s, street, house, flat)),
            atvk,
            places.address_text(muni, s, street, house, flat),
            self.today,
        )
        movers = [st.slot]
        if age < 18 or rng.random() < 0.6:  # the whole household at this address moves
            movers = []
            for s2 in [*self.pop.household_slots(st.household), *self.extras_of(st.household)]:
                other_st = st if s2 == st.slot else self.state(s2, self.today)
                if (
                    other_st is not None
                    and other_st.status == "ACTIVE"
                    and other_st.address is not None
                    and other_st.address.address_code == st.address.address_code
                ):
                    movers.append(s2)
        for s2 in movers:
            self._add(s2, "ADDRESS", address, "ADDRESS", at)
            self._atvk[s2] = atvk
        return True

    def _relations(self, rng: random.Random, st: State, age: int, at: dt.datetime) -> bool:
        spouse = next((r.other for r in st.rels if r.kind == "SPOUSE" and r.valid_to is None), None)
        if rng.random() < 0.55:
            if st.person.sex != "F" or not 18 <= age <= 45 or st.address is None:
                return False
            self._birth(rng, st, spouse, at)
            return True
        if spouse is None:
            return False
        self._add(st.slot, "REL_END", ("SPOUSE", spouse), "RELATIONS", at)
        self._add(spouse, "REL_END", ("SPOUSE", st.slot), "RELATIONS", at)
        return True

    def _birth(
        self, rng: random.Random, mother: State, father: int | None, at: dt.datetime
    ) -> None:
        slot = self.pop.size + len(self._extras)
        sex = "M" if rng.random() < 0.5 else "F"
        father_st = None if father is None else self.state(father, self.today)
        if sex == "F" or father_st is None:
            base = mother.surname if sex == "F" else self.pop.names.surname(rng)
            surname = base if sex == "F" else households.surname_form(base, "M")
        else:
            surname = father_st.surname
        code = self._fresh_code(rng)
        person = BasePerson(
            -1,
            households.CHILD,
            sex,
            self.today,
            code,
            None,
            "LVA",
            self.pop.names.given(rng, sex),
            surname,
            self.today,
        )
        rels = [("PARENT", mother.slot, self.today)]
        if father is not None:
            rels.append(("PARENT", father, self.today))
        assert mother.address is not None
        a = mother.address
        address = places.Address(a.address_code, a.atvk, a.text, self.today)
        self._extras.append(Extra(slot, mother.household, person, address, rels))
        self._extras_by_hh.setdefault(mother.household, []).append(slot)
        self._new_codes[code] = slot
        self._atvk[slot] = a.atvk
        self._add(mother.slot, "REL_ADD", ("CHILD", slot), "RELATIONS", at)
        if father is not None:
            self._add(father, "REL_ADD", ("CHILD", slot), "RELATIONS", at)


def _apply_event(st: State, ev: Event) -> None:
    if ev.kind == "ADDRESS":
        st.address = cast(places.Address, ev.value)
    elif ev.kind == "DEATH":
        st.death, st.status = ev.on, "PASSIVE"
    elif ev.kind == "EMIGRATION":
        st.status, st.address = "PASSIVE", None
    elif ev.kind == "NAME":
        st.given_name, st.surname = cast(tuple[str, str], ev.value)
    elif ev.kind == "CODE":
        st.previous.append(st.code)
        st.code = str(ev.value)
    elif ev.kind == "REL_ADD":
        kind, other = cast(tuple[str, int], ev.value)
        st.rels.append(Rel(kind, other, ev.on))
    elif ev.kind == "REL_END":
        kind, other = cast(tuple[str, int], ev.value)
        for r in st.rels:
            if r.kind == kind and r.other == other and r.valid_to is None:
                r.valid_to = ev.on
