"""The deterministic synthetic population (registries.md §7) and its public API.

``Population(seed, size)`` draws the *skeleton* of every household once (members, birth dates,
codes — no names, no addresses) and keeps only a compact index:

* ``_hh_start`` (``array('l')``): first person slot of each household;
* ``_hh_muni`` (``array('b')``): each household's municipality;
* ``_codes`` (``array('q')``): each slot's generated current code;
* ``_keys`` (``array('q')``, sorted): ``code << 25 | slot`` for current and previous codes,
  searched with ``bisect``.

Everything else — names, addresses, relations, facts — is regenerated on demand from the
household's own RNG (:mod:`mocks.world.households`, :mod:`mocks.world.facts`) and kept in
small LRU caches. Changes made by the clock live in an :class:`~mocks.world.changes.Overlay` on
top. Same seed and size → same people; a larger size with the same seed starts
with the same households.

Facts services (VSAA, VID, NVA) should only format what the methods below return.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Generic, Literal, TypeVar

from tilts.mocks.world import changes, households, places, timeline
from tilts.mocks.world.facts import Decision, EmployerPool, HouseholdFacts, PersonFacts, build_facts
from tilts.mocks.world.households import BaseHousehold, NamePool
from tilts.mocks.world.views import (
    HouseholdView,
    PersonView,
    Relation,
    SampleEntry,
    household_id,
    parse_household_id,
)

__all__ = [
    "HouseholdView",
    "Outcome",
    "PersonView",
    "Population",
    "Relation",
    "SampleEntry",
    "household_id",
    "parse_household_id",
]
from tilts.kernel.personal_code import invalid_reason, is_new_format

_SLOT_BITS = 25
_SLOT_MASK = (1 << _SLOT_BITS) - 1
Outcome = Literal["FOUND", "NOT_FOUND", "INVALID_CODE"]

K = TypeVar("K")
V = TypeVar("V")


class _Lru(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self.data.get(key)
        if value is not None:
            self.data.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self.data[key] = value
        if len(self.data) > self.size:
            self.data.popitem(last=False)


class Population:
    """The synthetic population with its clock and change log.

    Args:
        seed: the seed; the same seed and size always give the same people.
        size: number of persons generated (newborns added by the clock come on top).
        today: the reference date of generation and the clock's initial "today".
        cache_households: how many regenerated households to keep.
    """

    def __init__(
        self,
        seed: int = 42,
        size: int = 20000,
        today: dt.date | None = None,
        cache_households: int = 16_384,
    ) -> None:
        if size < 1 or size >= 1 << _SLOT_BITS:
            raise ValueError(f"population size must be 1..{(1 << _SLOT_BITS) - 1}")
        self.seed = seed
        self.size = size
        self.ref = today or dt.date(2026, 11, 26)
        self.names = NamePool(seed)
        self.employers = EmployerPool(seed, max(200, size // 100))
        self._hh_start = array("l")
        self._hh_muni = array("b")
        self._codes = array("q")
        self._prev: dict[int, int] = {}
        self._keys = array("q")
        self._build_index()
        self._households: _Lru[int, BaseHousehold] = _Lru(cache_households)
        self._facts: _Lru[int, HouseholdFacts] = _Lru(cache_households)
        self.overlay = changes.Overlay(self)

    # ------------------------------------------------------------------ index
    def _build_index(self) -> None:
        slot, h = 0, 0
        while slot < self.size:
            rng = households.household_rng(self.seed, h)
            sk = households.draw_skeleton(rng, self.size - slot, self.ref)
            self._hh_start.append(slot)
            self._hh_muni.append(sk.muni)
            for m in sk.members:
                self._codes.append(m.code)
                if m.previous_code is not None:
                    self._prev[slot] = m.previous_code
                slot += 1
            h += 1
        self._hh_start.append(slot)
        keys = [c << _SLOT_BITS | s for s, c in enumerate(self._codes)]
        keys += [c << _SLOT_BITS | s for s, c in self._prev.items()]
        keys.sort()
        self._keys = array("q", keys)
        del keys
        self._resolve_collisions()

    def _resolve_collisions(self) -> None:
        """Give a fresh code to the later of two persons whose drawn codes collide."""
        dups: list[tuple[int, int]] = []
        for i in range(1, len(self._keys)):
            if self._keys[i] >> _SLOT_BITS == self._keys[i - 1] >> _SLOT_BITS:
                dups.append((self._keys[i] >> _SLOT_BITS, self._keys[i] & _SLOT_MASK))
        if not dups:
            return
        taken: set[int] = set()
        for code, slot in dups:
            rng = households.household_rng(self.seed, -1 - slot)
            while True:
                new = (
                    households.new_code(rng)
                    if is_new_format(f"{code:011d}")
                    else self._bump(code, rng)
                )
                if new not in taken and self._slot_of_int(new) is None:
                    break
            taken.add(new)
            if self._codes[slot] == code:
                self._codes[slot] = new
            else:
                self._prev[slot] = new
        keys = [c << _SLOT_BITS | s for s, c in enumerate(self._codes)]
        keys += [c << _SLOT_BITS | s for s, c in self._prev.items()]
        keys.sort()
        self._keys = array("q", keys)

    @staticmethod
    def _bump(code: int, rng: random.Random) -> int:
        text = f"{code:011d}"
        birth = dt.date(
            1900 + int(text[4:6]) if text[6] == "1" else 2000 + int(text[4:6]),
            int(text[2:4]),
            int(text[0:2]),
        )
        return households.old_code(rng, birth)

    def _slot_of_int(self, code: int) -> int | None:
        i = bisect.bisect_left(self._keys, code << _SLOT_BITS)
        if i < len(self._keys) and self._keys[i] >> _SLOT_BITS == code:
            return self._keys[i] & _SLOT_MASK
        return None

    @property
    def household_count(self) -> int:
        """Number of generated households."""
        return len(self._hh_muni)

    def household_slots(self, index: int) -> range:
        """Slots of the generated members of household ``index`` (newborns not included)."""
        return range(self._hh_start[index], self._hh_start[index + 1])

    def household_of(self, slot: int) -> int:
        """Household index of a slot (newborns: their mother's household)."""
        if slot >= self.size:
            return self.overlay.newborn(slot).household
        return bisect.bisect_right(self._hh_start, slot) - 1

    def base_code(self, slot: int) -> str:
        """The generated current code of a slot."""
        if slot >= self.size:
            return self.overlay.newborn(slot).person.code
        return f"{self._codes[slot]:011d}"

    def base_muni_atvk(self, slot: int) -> str:
        """ATVK of the slot's generated household."""
        return places.MUNICIPALITIES[self._hh_muni[self.household_of(slot)]].atvk

    # ------------------------------------------------------------------ lookups
    def resolve(self, code: str) -> int | None:
        """Slot of a current or previous code (``None`` when unknown or malformed)."""
        if len(code) != 11 or not (code.isascii() and code.isdigit()):  # int() reads "٠١…"
            return None
        slot = self.overlay.slot_of_new_code(code)
        if slot is not None:
            return slot
        return self._slot_of_int(int(code))

    def check(self, code: str) -> Outcome:
        """Per-person outcome of a query for ``code``: FOUND, NOT_FOUND or INVALID_CODE."""
        if invalid_reason(code) is not None:
            return "INVALID_CODE"
        return "FOUND" if self.resolve(code) is not None else "NOT_FOUND"

    def base_household(self, index: int) -> BaseHousehold:
        """The generated household ``index`` (cached)."""
        hh = self._households.get(index)
        if hh is None:
            start, end = self._hh_start[index], self._hh_start[index + 1]
            codes = [(self._codes[s], self._prev.get(s)) for s in range(start, end)]
            hh = households.build_household(
                self.seed, index, end - start, self.ref, self.names, codes
            )
            self._households.put(index, hh)
        return hh

    def household_facts(self, index: int) -> HouseholdFacts:
        """The facts timelines of household ``index`` (cached)."""
        f = self._facts.get(index)
        if f is None:
            f = build_facts(self.seed, self.base_household(index), self.ref, self.employers)
            self._facts.put(index, f)
        return f

    def person_facts(self, slot: int) -> PersonFacts:
        """Facts of one slot (a newborn has none yet)."""
        if slot >= self.size:
            return PersonFacts()
        h = self.household_of(slot)
        return self.household_facts(h).members[slot - self._hh_start[h]]

    def person(self, slot: int, as_of: dt.date | None = None) -> PersonView | None:
        """The register's view of a slot on ``as_of`` (default and maximum: today)."""
        return self.overlay.view(slot, self._as_of(as_of))

    def lookup(self, code: str, as_of: dt.date | None = None) -> PersonView | None:
        """The person holding (or having held) ``code``, as of ``as_of``; ``None`` if unknown."""
        slot = self.resolve(code)
        return None if slot is None else self.person(slot, as_of)

    def _as_of(self, as_of: dt.date | None) -> dt.date:
        today = self.overlay.today
        return today if as_of is None or as_of > today else as_of

    def household(self, hid: str, as_of: dt.date | None = None) -> HouseholdView | None:
        """A generated household by id, with its members (newborns included) as of a date."""
        index = parse_household_id(hid)
        if index is None or index >= self.household_count:
            return None
        start, end = self._hh_start[index], self._hh_start[index + 1]
        slots = [*range(start, end), *self.overlay.extras_of(index)]
        views = tuple(v for s in slots if (v := self.person(s, as_of)) is not None)
        f = self.household_facts(index)
        return HouseholdView(hid, views, f.band, str(timeline.money(f.target)))

    def iter_persons(
        self, atvk: str | None = None, as_of: dt.date | None = None
    ) -> Iterator[PersonView]:
        """Every person (declared in ``atvk`` if given), household by household."""
        for h in range(self.household_count):
            start, end = self._hh_start[h], self._hh_start[h + 1]
            for s in [*range(start, end), *self.overlay.extras_of(h)]:
                if atvk is not None and self.overlay.current_atvk(s) != atvk:
                    continue
                v = self.person(s, as_of)
                if v is not None:
                    yield v

    def sample(
        self, atvk: str | None, limit: int, offset: int = 0,
        keep: Callable[[int], bool] | None = None,
    ) -> tuple[list[SampleEntry], int | None]:  # fmt: skip
        """Persons (of ``atvk``) in household order, households kept whole where possible;
        with ``keep`` only the households (by index) it keeps (the admin API's
        ``acquiredSince``: ``mocks/world/acquisitions.py``).

        ``offset`` counts persons of the filtered order. The page takes whole households while
        they fit in ``limit``; a household is cut only when it alone exceeds ``limit`` (or the
        previous page was cut inside it). Returns the page and the next offset (``None`` at
        the end).
        """
        out: list[SampleEntry] = []
        position = 0
        for h in range(self.household_count):
            start, end = self._hh_start[h], self._hh_start[h + 1]
            if keep is not None and not keep(h):
                continue
            members = [
                s
                for s in [*range(start, end), *self.overlay.extras_of(h)]
                if atvk is None or self.overlay.current_atvk(s) == atvk
            ]
            if position + len(members) <= offset:
                position += len(members)
                continue
            skip = max(0, offset - position)
            take = members[skip:]
            position += len(members)
            if out and len(out) + len(take) > limit:
                return out, offset + len(out)
            for s in take[: limit - len(out)]:
                out.append(
                    SampleEntry(
                        self.overlay.current_code(s),
                        household_id(h),
                        self.overlay.current_atvk(s),
                        self.overlay.current_status(s),
                    )
                )
            if len(out) >= limit:
                return out, offset + len(out)
        return out, None

    # ------------------------------------------------------------------ facts
    def disability(
        self, code: str, as_of: dt.date | None = None, include_history: bool = False
    ) -> list[Decision] | None:
        """VDEĀVK decisions of ``code`` (``None`` when the code is unknown)."""
        slot = self.resolve(code)
        if slot is None:
            return None
        return timeline.decisions(
            self.person_facts(slot), self._as_of(as_of), self.overlay.today, include_history
        )

    def payments(self, code: str, from_month: str, to_month: str) -> list[timeline.Payment] | None:
        """VSAA payments of months ``from_month..to_month`` (``YYYY-MM``) known today."""
        slot = self.resolve(code)
        if slot is None:
            return None
        return timeline.payments(
            self.person_facts(slot),
            f"{self.seed}:{slot}",
            _month(from_month),
            _month(to_month),
            self.overlay.today,
            self.overlay.closure(slot),
        )

    def income(
        self, code: str, from_month: str, to_month: str
    ) -> list[timeline.IncomeRecord] | None:
        """VID income records of months ``from_month..to_month`` reported by today."""
        slot = self.resolve(code)
        if slot is None:
            return None
        return timeline.income(
            self.person_facts(slot),
            self.employers,
            f"{self.seed}:{slot}",
            _month(from_month),
            _month(to_month),
            self.overlay.today,
            self.overlay.closure(slot),
        )

    def employments(self, code: str) -> list[timeline.Employment] | None:
        """VID employments of ``code`` known today."""
        slot = self.resolve(code)
        if slot is None:
            return None
        return timeline.employments(
            self.person_facts(slot), self.employers, self.overlay.today, self.overlay.closure(slot)
        )

    def nva(self, code: str, as_of: dt.date | None = None) -> timeline.NvaStatus | None:
        """NVA registration of ``code`` on ``as_of`` (default today)."""
        slot = self.resolve(code)
        if slot is None:
            return None
        return timeline.nva(
            self.person_facts(slot),
            self._as_of(as_of),
            self.overlay.today,
            self.overlay.closure(slot),
        )

    def data_complete_through(self, service: str) -> str:
        """``dataCompleteThrough`` (``YYYY-MM``) of ``"vsaa"`` or ``"vid"`` today."""
        return timeline.data_complete_through(service, self.overlay.today)

    # ------------------------------------------------------------------ clock
    @property
    def today(self) -> dt.date:
        """The clock's "today"."""
        return self.overlay.today

    def set_today(self, day: dt.date) -> None:
        """Set "today" without generating changes (see :meth:`advance`)."""
        self.overlay.today = day

    def advance(self, days: int, change_rate: float | None = None) -> dict[str, int]:
        """Advance the clock by ``days``, applying changes; returns counts per change kind."""
        return self.overlay.advance(days, change_rate)

    def changes_since(self, seq: int) -> list[changes.ChangeEntry]:
        """Change-log entries with a sequence number greater than ``seq``."""
        return self.overlay.log[max(0, seq) :]

    @property
    def last_seq(self) -> int:
        """Sequence number of the newest change (0 when none)."""
        return len(self.overlay.log)

    def reset(self) -> None:
        """Back to the seeded state: no changes, empty log, clock at the reference date."""
        self.overlay = changes.Overlay(self)


def _month(value: str) -> int:
    year, month = value.split("-")
    return int(year) * 12 + int(month) - 1
