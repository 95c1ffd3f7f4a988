"""The property test (``property.md`` §8; ``assessment.md`` §3): each right, vehicle and
enterprise role judged by its dated rule, then the household's result.

* **Dwelling**: a counted right at the household's declared address (``dwellingAddressCode``)
  is the dwelling — ``ALLOWED``, a parcel there up to the land limit (5 ha, modelled; the
  areas of the distinct parcels at the address are added up), ``FAIL`` above it. Without a
  declared address a residential property (an apartment, or one with a residential building)
  is for the worker (``REVIEW``): Tilts cannot tell which property is the dwelling.
* **Other real estate**: any other counted right ``FAIL``\\ s, unless the share's cadastral value
  (value × numerator ÷ denominator, rounded half up to the cent) is under the municipal
  minimum (default EUR 0: no exemption).
* **Vehicles**: owners' vehicles of counted categories in a counted registration status are
  counted, each vehicle once however many members own it; when more are counted than the
  limit (one; two when a member is a child) every counted vehicle ``FAIL``\\ s, else each is
  ``ALLOWED``. Categories for review go to the worker.
* **Enterprises**: a reviewed role (a ``MEMBER`` only with a share above 0) in an enterprise of
  a reviewed status is ``REVIEW`` (the worker confirms it gives no income).

A right or role that is not held on the application date is ``NOT_COUNTED``. The result is
``NOT_MET`` when an item fails, else ``NEEDS_REVIEW`` when one is for review, else ``MET``.
The worker's override beats it; with a ``decidedOn`` date it covers only the failing and
reviewed items begun by that day (property acquired later is tested again).

What the items show of an identifier: a cadastre number or a vehicle registration number has
an owner, so only its first two and last two characters are shown; an enterprise registration
number is public, except an individual merchant's (``IK``) or a sole proprietor's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from tilts.assessment.model import Person
from tilts.assessment.money import format_amount
from tilts.assessment.periods import has_reached_age
from tilts.assessment.property_model import (
    EnterpriseRole,
    ItemOutcome,
    PropertyFacts,
    PropertyItem,
    PropertyResult,
    PropertyRight,
    PropertyTest,
    Vehicle,
)
from tilts.assessment.rules import PropertyRowsInForce, Rules, VehicleRow
from tilts.kernel.errors import InputError

DWELLING, OTHER, VEHICLES, ENTERPRISES = "DWELLING", "OTHER_REAL_ESTATE", "VEHICLES", "ENTERPRISES"
_PERSONAL_FORMS = frozenset({"IK"})


def shown(identifier: str) -> str:
    """An identifier with an owner, masked: its first two and last two characters."""
    if len(identifier) <= 4:
        return "*" * len(identifier)
    return identifier[:2] + "*" * (len(identifier) - 4) + identifier[-2:]


def _row(row: object) -> str:
    from_, source = getattr(row, "in_force_from"), getattr(row, "source")  # noqa: B009
    marked = ", modelled" if getattr(row, "modelled", False) else ""
    return f"row from {from_}: {source}{marked}"


def _not_held(start: dt.date | None, end: dt.date | None, day: dt.date) -> str:
    if start is not None and start > day:
        return f"begins after the application date {day}"
    return f"ended before the application date {day}"


def _share_value(right: PropertyRight) -> Decimal | None:
    if right.cadastral_value is None:
        return None
    share = right.cadastral_value * right.share_numerator / right.share_denominator
    return share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _dwelling_land(facts: PropertyFacts, counted: frozenset[str], day: dt.date) -> int:
    parcels = {
        r.property_number: r.parcel_area_m2 or 0
        for r in facts.real_estate
        if r.held_on(day)
        and r.right_kind in counted
        and r.property_kind == "LAND"
        and r.address_code == facts.dwelling_address_code
    }
    return sum(parcels.values())


def _real_estate(
    facts: PropertyFacts, rows: PropertyRowsInForce, day: dt.date
) -> list[PropertyItem]:
    dwelling, other = rows.dwelling, rows.other_real_estate
    land = _dwelling_land(facts, dwelling.right_kinds, day)
    items = []
    for right in facts.real_estate:
        share = f"{right.share_numerator}/{right.share_denominator}"
        what = f"{right.right_kind} ({share}) of a property of kind {right.property_kind}"

        def item(rule: str, outcome: ItemOutcome, why: str, r: PropertyRight = right) -> None:
            items.append(
                PropertyItem(r.member_id, "VZD", shown(r.property_number), rule, outcome, why,
                             r.valid_from)
            )  # fmt: skip

        at_dwelling = (
            facts.dwelling_address_code is not None
            and right.address_code == facts.dwelling_address_code
        )
        residential = right.property_kind == "APARTMENT" or bool(
            set(right.building_use) & dwelling.residential_uses
        )
        if not right.held_on(day):
            why = _not_held(right.valid_from, right.valid_to, day)
            item(OTHER, ItemOutcome.NOT_COUNTED, f"{what}: {why}")
        elif at_dwelling and right.right_kind in dwelling.right_kinds:
            if right.property_kind == "LAND" and land > dwelling.land_limit_m2:
                limit = dwelling.land_limit_m2
                item(DWELLING, ItemOutcome.FAIL,
                     f"{what} at the declared address: the land there, {land} m², is above the "
                     f"{limit} m² that count with the dwelling ({_row(dwelling)})")  # fmt: skip
            else:
                area = f", land {land} m² within {dwelling.land_limit_m2} m²" if land else ""
                item(DWELLING, ItemOutcome.ALLOWED,
                     f"{what} at the declared address: the household's dwelling{area} "
                     f"({_row(dwelling)})")  # fmt: skip
        elif right.right_kind not in other.right_kinds:
            why = f"a right of kind {right.right_kind} does not count"
            item(OTHER, ItemOutcome.NOT_COUNTED, f"{what}: {why} ({_row(other)})")
        elif facts.dwelling_address_code is None and residential:
            item(DWELLING, ItemOutcome.REVIEW,
                 f"{what}: residential, and the case has no declared address to tell whether "
                 f"it is the household's dwelling ({_row(dwelling)})")  # fmt: skip
        else:
            value = _share_value(right)
            minimum = format_amount(other.minimum_value)
            if value is not None and value < other.minimum_value:
                item(OTHER, ItemOutcome.ALLOWED,
                     f"{what}: other real estate, the share's cadastral value "
                     f"{format_amount(value)} is under the municipal minimum {minimum} "
                     f"({_row(other)})")  # fmt: skip
            elif value is None and other.minimum_value > 0:
                item(OTHER, ItemOutcome.REVIEW,
                     f"{what}: other real estate without a cadastral value to compare with the "
                     f"municipal minimum {minimum} ({_row(other)})")  # fmt: skip
            else:
                worth = f" worth {format_amount(value)}" if value is not None else ""
                item(OTHER, ItemOutcome.FAIL,
                     f"{what}: other real estate, the share{worth} is not under the municipal "
                     f"minimum {minimum} ({_row(other)})")  # fmt: skip
    return items


def has_child(members: Sequence[Person], day: dt.date, rules: Rules) -> bool:
    """A member is a child (under ``[income] child_age``) on ``day``."""
    return any(not has_reached_age(p.birth_date, rules.income.child_age, 0, day) for p in members)


def _vehicle_rule(v: Vehicle, row: VehicleRow, day: dt.date) -> tuple[ItemOutcome | None, str]:
    """How one vehicle counts: an outcome, or ``None`` for a counted motor vehicle."""
    if not v.held_on(day):
        return ItemOutcome.NOT_COUNTED, _not_held(v.from_date, v.to_date, day)
    if v.registration_status not in row.counted_statuses:
        return ItemOutcome.NOT_COUNTED, f"a {v.registration_status} vehicle does not count"
    if v.role not in row.counted_roles:
        return ItemOutcome.NOT_COUNTED, f"held as {v.role} only, not owned: does not count"
    if v.category in row.review_categories:
        why = "the category does not tell whether it is a motor vehicle"
        return ItemOutcome.REVIEW, why
    if v.category not in row.counted_categories:
        return ItemOutcome.NOT_COUNTED, "not a counted motor vehicle (a moped, a trailer)"
    return None, "a counted motor vehicle"


def _vehicles(
    vehicles: Sequence[Vehicle], rows: PropertyRowsInForce, day: dt.date, children: bool
) -> list[PropertyItem]:
    row = rows.vehicles
    judged: list[tuple[Vehicle, ItemOutcome | None, str]] = []
    counted: set[tuple[str, str]] = set()
    for v in vehicles:
        outcome, why = _vehicle_rule(v, row, day)
        key = (v.source, v.registration_number)
        if outcome is None and key in counted:
            outcome, why = ItemOutcome.NOT_COUNTED, "the same vehicle is counted once"
        elif outcome is None:
            counted.add(key)
        judged.append((v, outcome, why))
    limit = row.limit_with_children if children else row.limit
    who = "with a child" if children else "without children"
    over = len(counted) > limit
    items = []
    for v, outcome, why in judged:
        if outcome is None:
            outcome = ItemOutcome.FAIL if over else ItemOutcome.ALLOWED
            why += f": {len(counted)} in the household, at most {limit} for a household {who}"
        what = f"{v.role} of a vehicle of category {v.category} ({v.registration_status})"
        shown_as = shown(v.registration_number)
        reason = f"{what}: {why} ({_row(row)})"
        items.append(
            PropertyItem(v.member_id, v.source, shown_as, VEHICLES, outcome, reason, v.from_date)
        )
    return items


def _enterprises(
    roles: Sequence[EnterpriseRole], rows: PropertyRowsInForce, day: dt.date
) -> list[PropertyItem]:
    row = rows.enterprises
    items = []
    for r in roles:
        what = f"{r.role} of an enterprise ({r.legal_form}, {r.entity_status})"
        personal = r.legal_form in _PERSONAL_FORMS or r.role == "SOLE_PROPRIETOR"
        shown_as = shown(r.registration_number) if personal else r.registration_number
        if not r.held_on(day):
            outcome, why = ItemOutcome.NOT_COUNTED, _not_held(r.from_date, r.to_date, day)
        elif r.role not in row.review_roles:
            outcome, why = ItemOutcome.NOT_COUNTED, f"the role {r.role} alone does not count"
        elif r.role == "MEMBER" and not (r.share_percent and r.share_percent > 0):
            outcome, why = ItemOutcome.NOT_COUNTED, "a member without a share does not count"
        elif r.entity_status not in row.review_statuses:
            outcome = ItemOutcome.NOT_COUNTED
            why = f"an enterprise in {r.entity_status} does not count"
        else:
            share = f" with a {r.share_percent} % share" if r.share_percent else ""
            outcome = ItemOutcome.REVIEW
            why = f"{r.role}{share}: the social worker confirms whether it gives income"
        items.append(
            PropertyItem(r.member_id, "UR", shown_as, ENTERPRISES, outcome,
                         f"{what}: {why} ({_row(row)})", r.from_date)
        )  # fmt: skip
    return items


def property_test(
    facts: PropertyFacts, members: Sequence[Person], day: dt.date, atvk: str, rules: Rules
) -> PropertyTest:
    """The household's property test on ``day`` (``property.md`` §8).

    Raises:
        InputError: no property rule row is in force on ``day``.
    """
    rows = rules.property.rows_on(atvk, day)
    if rows is None:
        raise InputError(f"applicationDate: no property rule row is in force on {day}")
    children = has_child(members, day, rules)
    items = (
        *_real_estate(facts, rows, day),
        *_vehicles(facts.vehicles, rows, day, children),
        *_enterprises(facts.enterprises, rows, day),
    )
    outcomes = {i.outcome for i in items}
    computed = (
        PropertyResult.NOT_MET
        if ItemOutcome.FAIL in outcomes
        else PropertyResult.NEEDS_REVIEW
        if ItemOutcome.REVIEW in outcomes
        else PropertyResult.MET
    )
    counts = {o: sum(1 for i in items if i.outcome is o) for o in ItemOutcome}
    tally = ", ".join(f"{n} {o}" for o, n in counts.items() if n) or "no property found"
    reasons = [
        f"Property test computed {computed}: {len(items)} item(s), {tally} (property.md §8)."
    ]
    override, applied = facts.override, False
    if override is not None:
        open_items = [i for i in items if i.outcome in (ItemOutcome.FAIL, ItemOutcome.REVIEW)]
        later = [
            i
            for i in open_items
            if override.decided_on is not None
            and i.began is not None
            and i.began > override.decided_on
        ]
        if later:
            reasons.append(
                f"The social worker's override {override.result} of {override.decided_on} does "
                f"not cover {len(later)} item(s) begun after it: the computed result stands "
                "(property.md §8)."
            )
        else:
            applied = True
            reasons.append(
                f"The social worker's override {override.result} beats the computed "
                f"{computed}: {override.reason} (property.md §8)."
            )
    result = override.result if override is not None and applied else computed
    return PropertyTest(result, computed, items, tuple(reasons), override, applied)
