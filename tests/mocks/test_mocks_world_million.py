"""The property world at 1,000,000 persons (property.md §7, registries.md §7): each of the six
property and income parts (VZD rights, CSDD and VTUA vehicles, UR roles, LAD payments, UGFA
maintenance) answers for persons spread over the whole range, the last one included, holding
only what was asked; the same seed answers the same, another seed otherwise, and the clock
changes some answers.

The population's index (codes and household bounds, built once with the world) is the only
part that grows with the size; the six parts draw each asked household from its own RNG and
keep at most the population's LRU of regenerated households.

The bound: asking 2,000 persons leaves the population's LRUs holding at most the ~2,000
households asked (a household with its members, names, address and codes: a few KB), well
under ``HELD_BOUND`` = 32 MB, and ``INDEX_BOUND`` = 48 MB covers the index (8-byte codes, sort
keys and household bounds: ~24 MB at 1,000,000 persons). A materialised world (every household
generated and kept) costs the same per household as those asked, times ~400,000 households: the
test measures that figure and requires it to be over ten times the bound.
"""

from __future__ import annotations

import datetime as dt
import sys
import tracemalloc
from typing import Any

import pytest

from tilts.mocks.world import enterprises, lad, ugfa
from tilts.mocks.world.population import Population
from tilts.mocks.world.realestate import rights_of
from tilts.mocks.world.vehicles import vehicles_of

SIZE, SEED, OTHER_SEED = 1_000_000, 42, 43
SAMPLE = 2_000
HELD_BOUND, INDEX_BOUND = 32 * 2**20, 48 * 2**20
MONTHS = ("2024-01", "2026-12")


@pytest.fixture(scope="module")
def world() -> Population:
    return Population(SEED, SIZE)


def _slots() -> list[int]:
    step = SIZE // (SAMPLE - 1)
    return sorted({*range(0, SIZE, step), SIZE - 1})


def _answers(pop: Population, slots: list[int]) -> list[tuple[Any, ...]]:
    today = pop.today
    out = []
    for slot in slots:
        code = pop.base_code(slot)
        out.append(
            (
                rights_of(pop, slot, today),
                vehicles_of(pop, slot, today, "csdd"),
                vehicles_of(pop, slot, today, "vtua"),
                enterprises.roles(pop, slot),
                lad.payments(pop, code, *MONTHS),
                ugfa.payments(pop, code, *MONTHS),
            )
        )
    return out


def _index_bytes(pop: Population) -> int:
    arrays = (pop._codes, pop._keys, pop._hh_start, pop._hh_muni)
    return sum(sys.getsizeof(a) for a in arrays) + sys.getsizeof(pop._prev)


def test_a_million_persons_answer_lazily_and_deterministically(world: Population) -> None:
    slots = _slots()
    assert len(slots) >= SAMPLE and slots[-1] == SIZE - 1
    assert _index_bytes(world) < INDEX_BOUND

    tracemalloc.start()
    try:
        first = _answers(world, slots)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    asked = len({world.household_of(s) for s in slots})
    materialised = held / asked * world.household_count
    assert held < HELD_BOUND, f"{held / 2**20:.1f} MB held after asking {len(slots)} persons"
    assert materialised > 10 * HELD_BOUND, f"{materialised / 2**20:.0f} MB materialised"

    # every part answers for someone in the sample, the last person included
    for part in range(6):
        assert any(a[part] for a in first), f"part {part} answered nobody"
    assert first[-1] == _answers(world, [SIZE - 1])[0]

    assert _answers(world, slots) == first  # asked again
    assert _answers(Population(SEED, SIZE), slots) == first  # a fresh world, the same seed
    other = Population(OTHER_SEED, 50_000)  # another seed (the size does not matter to it)
    small = [s for s in slots if s < other.size]
    assert _answers(other, small) != first[: len(small)]

    later = world.today + dt.timedelta(days=365)
    world.set_today(later)
    try:
        moved = _answers(world, slots)
    finally:
        world.set_today(world.ref)
    changed = {part for part in range(6) for a, b in zip(first, moved, strict=True)
               if a[part] != b[part]}  # fmt: skip
    assert changed == set(range(6)), f"the clock changed only parts {sorted(changed)}"
