"""The vehicle world's rules by hand (property.md §7, ``mocks/world/vehicles.py``): what the
register shows of a vehicle on a day, and the registration numbers."""

from __future__ import annotations

import datetime as dt

from tilts.mocks.world.vehicles import Vehicle, held_on, registration_number, status_on

D = dt.date


def _car(**kw: object) -> Vehicle:
    base: dict[str, object] = {
        "registration_number": "AB1234", "category": "M1", "make": "VOLVO", "model": "V70",
        "first_registration": D(2010, 5, 1), "member": 0, "role": "OWNER",
        "held_from": D(2020, 3, 2), "held_to": D(2027, 1, 10),
    }  # fmt: skip
    base.update(kw)
    return Vehicle(**base)  # type: ignore[arg-type]


def test_a_role_is_shown_from_its_start_and_its_end_only_once_it_has_happened() -> None:
    car = _car()
    assert held_on((car,), 0, D(2020, 3, 1)) == []
    on_start = held_on((car,), 0, D(2020, 3, 2))
    assert [(v.held_from, v.held_to) for v in on_start] == [(D(2020, 3, 2), None)]
    assert held_on((car,), 0, D(2026, 12, 31))[0].held_to is None  # the sale is not known yet
    assert held_on((car,), 0, D(2027, 1, 10))[0].held_to == D(2027, 1, 10)
    assert held_on((car,), 0, D(2028, 1, 10))[0].held_to == D(2027, 1, 10)  # 365 days after
    assert held_on((car,), 0, D(2028, 1, 11)) == []  # longer ago: no longer listed
    assert held_on((car,), 1, D(2026, 1, 1)) == []  # another member's car


def test_a_closed_record_ends_the_role_that_day() -> None:
    car = _car(held_to=None)
    assert held_on((car,), 0, D(2026, 6, 1), closed=D(2026, 5, 4))[0].held_to == D(2026, 5, 4)
    assert held_on((_car(held_from=D(2026, 6, 1)),), 0, D(2026, 7, 1), closed=D(2026, 5, 4)) == []


def test_registration_status_on_a_day() -> None:
    scrapped = _car(held_to=None, deregistered=D(2025, 4, 1))
    assert status_on(scrapped, D(2025, 3, 31)) == "REGISTERED"
    assert status_on(scrapped, D(2025, 4, 1)) == "DEREGISTERED"
    assert held_on((scrapped,), 0, D(2030, 1, 1))[0].status == "DEREGISTERED"  # stays listed
    off = _car(suspended=(D(2021, 1, 1), D(2021, 3, 1)))
    assert [status_on(off, d) for d in (D(2020, 12, 31), D(2021, 1, 1), D(2021, 3, 1))] == [
        "REGISTERED", "TEMPORARILY_DEREGISTERED", "REGISTERED",
    ]  # fmt: skip


def test_registration_numbers() -> None:
    # n → (n * 4_567_891 + 12_345) mod 22² · 10⁴, then 4 digits and letters in base 22
    # 0 → 12_345: digits 2345, letters of 1 = (0, 1) → "AB"
    assert registration_number("csdd", 0) == "AB2345"
    assert registration_number("vtua", 0) == "T2345AB"
    n = (1 * 4_567_891 + 12_345) % 4_840_000  # 4_580_236: letters of 458 = 20 * 22 + 18
    assert n == 4_580_236 and registration_number("csdd", 1) == "VT0236"
    assert registration_number("csdd", 4_840_000) == "BAA0000"  # past the first block
    numbers = {registration_number("csdd", i) for i in range(0, 4_840_000, 997)}
    assert len(numbers) == len(range(0, 4_840_000, 997))
