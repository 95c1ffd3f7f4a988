"""The property test's types (``property.md`` §8): the household's property facts in, the
explained test out.

Facts carry the ``memberId`` they belong to (the case's member id, never a personal code).
Identifiers are kept as given for the computation; what the result shows of them is masked
(:func:`assessment.property_test.shown`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class PropertyResult(StrEnum):
    """The property test's result."""

    MET = "MET"
    NOT_MET = "NOT_MET"
    NEEDS_REVIEW = "NEEDS_REVIEW"


class ItemOutcome(StrEnum):
    """What one property item does to the test.

    ``ALLOWED``: counted and within the rule (the dwelling, the one car); ``NOT_COUNTED``: the
    rule does not count it (a moped, a HOLDER's car, an officer's role, an ended right);
    ``FAIL``: it fails the test; ``REVIEW``: the worker must confirm it.
    """

    ALLOWED = "ALLOWED"
    NOT_COUNTED = "NOT_COUNTED"
    FAIL = "FAIL"
    REVIEW = "REVIEW"


def _held_on(start: dt.date | None, end: dt.date | None, day: dt.date) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


@dataclass(frozen=True)
class PropertyRight:
    """A VZD right (``property.md`` §2) of a member."""

    member_id: str
    property_number: str
    property_kind: str  # LAND / BUILDING / APARTMENT
    right_kind: str  # OWNER / LEGAL_POSSESSOR / USER
    share_numerator: int = 1
    share_denominator: int = 1
    address_code: str | None = None
    parcel_area_m2: int | None = None
    building_use: tuple[str, ...] = ()
    cadastral_value: Decimal | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    def held_on(self, day: dt.date) -> bool:
        """The right runs on ``day``."""
        return _held_on(self.valid_from, self.valid_to, day)


@dataclass(frozen=True)
class Vehicle:
    """A CSDD vehicle or VTUA machine (``property.md`` §3) of a member."""

    member_id: str
    source: str  # CSDD / VTUA
    registration_number: str
    category: str
    role: str  # OWNER / HOLDER / KEEPER
    registration_status: str
    from_date: dt.date | None = None
    to_date: dt.date | None = None

    def held_on(self, day: dt.date) -> bool:
        """The member holds the role on ``day``."""
        return _held_on(self.from_date, self.to_date, day)


@dataclass(frozen=True)
class EnterpriseRole:
    """A UR role (``property.md`` §4) of a member."""

    member_id: str
    registration_number: str
    legal_form: str
    entity_status: str
    role: str  # MEMBER / OFFICER / BENEFICIAL_OWNER / SOLE_PROPRIETOR
    share_percent: Decimal | None = None
    from_date: dt.date | None = None
    to_date: dt.date | None = None

    def held_on(self, day: dt.date) -> bool:
        """The member holds the role on ``day``."""
        return _held_on(self.from_date, self.to_date, day)


@dataclass(frozen=True)
class PropertyOverride:
    """The social worker's decision on the property conditions, with the reason.

    It beats the computed result. With ``decided_on`` it covers the property held then: an
    item that began after that day is tested again (the override no longer applies).
    """

    result: PropertyResult
    reason: str
    decided_on: dt.date | None = None


@dataclass(frozen=True)
class PropertyFacts:
    """The ``property`` input of a case (``property.md`` §8)."""

    real_estate: tuple[PropertyRight, ...] = ()
    vehicles: tuple[Vehicle, ...] = ()
    enterprises: tuple[EnterpriseRole, ...] = ()
    dwelling_address_code: str | None = None
    override: PropertyOverride | None = None


@dataclass(frozen=True)
class PropertyItem:
    """One right, vehicle or role as the test judged it (``item`` is masked or public)."""

    member_id: str
    source: str
    item: str
    rule: str
    outcome: ItemOutcome
    reason: str
    #: When the member's right or role began (an override covers items begun by its date).
    began: dt.date | None = None


@dataclass(frozen=True)
class PropertyTest:
    """The explained property test: ``result`` is what decides (the override's when one
    applies), ``computed`` what the rules gave."""

    result: PropertyResult
    computed: PropertyResult
    items: tuple[PropertyItem, ...]
    reasons: tuple[str, ...]
    override: PropertyOverride | None = None
    override_applied: bool = False
