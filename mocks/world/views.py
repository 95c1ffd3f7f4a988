"""What the population shows: persons, relations, households, sample lines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tilts.mocks.world import places


@dataclass(frozen=True, slots=True)
class Relation:
    """A relation as the register shows it: ``person_code`` is the related person's code."""

    kind: str
    person_code: str
    valid_from: dt.date
    valid_to: dt.date | None = None


@dataclass(frozen=True, slots=True)
class PersonView:
    """A person as the population register shows them on a date."""

    slot: int
    household_id: str
    person_code: str
    previous_codes: tuple[str, ...]
    given_name: str
    surname: str
    birth_date: dt.date
    sex: str
    citizenship: str
    register_status: str
    death_date: dt.date | None
    address: places.Address | None
    relations: tuple[Relation, ...]

    @property
    def atvk(self) -> str | None:
        """ATVK of the declared address (``None`` when none is declared)."""
        return None if self.address is None else self.address.atvk


@dataclass(frozen=True, slots=True)
class HouseholdView:
    """A generated household: members as of a date, its income band and counted target."""

    household_id: str
    members: tuple[PersonView, ...]
    income_band: str
    target_income: str


@dataclass(frozen=True, slots=True)
class SampleEntry:
    """One line of the admin sample (codes in clear: test data)."""

    person_code: str
    household_id: str
    atvk: str | None
    register_status: str


def household_id(index: int) -> str:
    """Public id of household ``index``: ``H0000123``."""
    return f"H{index:07d}"


def parse_household_id(hid: str) -> int | None:
    """Inverse of :func:`household_id`; ``None`` if malformed."""
    if len(hid) != 8 or hid[0] != "H" or not hid[1:].isdigit():
        return None
    return int(hid[1:])
