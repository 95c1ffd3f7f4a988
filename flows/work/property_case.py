"""A household's property facts from the store, as the calculator's ``property`` input
(``property.md`` §8).

Facts are read by kind, whichever registry stated them: ``PROPERTY_RIGHT`` (VZD),
``VEHICLE`` (CSDD or VTUA: the fact's source is the vehicle's ``source``) and
``ENTERPRISE_ROLE`` (UR), with the payload keys of the wire (share numerator and
denominator and the parcel area as integers or strings of digits). The household's
``dwellingAddressCode`` is its members' declared address (PMLP ``ADDRESS``): the code most of
them have, the first member's on a tie.

A household none of whose members has a property fact, and that has no override, gets no
``property`` at all: the declared ``propertyConditionsMet`` decides, as before the property
registries (a registry that found nothing stores nothing, so "none found" and "not asked yet"
look the same).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from tilts.assessment import (
    EnterpriseRole,
    ItemOutcome,
    PropertyFacts,
    PropertyOverride,
    PropertyResult,
    PropertyRight,
    PropertyTest,
    Vehicle,
)
from tilts.kernel.errors import InputError
from tilts.store.property_overrides import Override
from tilts.store.reassess import HouseholdFacts, MemberFacts


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _int(payload: dict[str, Any], name: str, where: str, default: int | None) -> int | None:
    value = payload.get(name)
    if value is None or value == "":
        return default
    text = str(value)
    if not (text.isascii() and text.isdigit()):
        raise InputError(f"{where}.{name}: must be a whole number")
    return int(text)


def _decimal(payload: dict[str, Any], name: str, where: str) -> Decimal | None:
    value = payload.get(name)
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InputError(f"{where}.{name}: must be a decimal number") from None
    if not number.is_finite():
        raise InputError(f"{where}.{name}: must be a decimal number")
    return number


def dwelling_address(hh: HouseholdFacts) -> str | None:
    """The household's declared address code (PMLP): the one most members have."""
    codes: list[str] = []
    for member in hh.members:
        addresses = member.of("PMLP", "ADDRESS")
        if addresses:
            latest = max(addresses, key=lambda f: f.valid_from or date.min)
            code = latest.payload.get("addressCode")
            if code:
                codes.append(str(code))
    if not codes:
        return None
    counts = Counter(codes)
    best = max(counts.values())
    return next(code for code in codes if counts[code] == best)


def _rights(m: MemberFacts, start: int) -> list[PropertyRight]:
    out = []
    for i, f in enumerate(m.of_kind("PROPERTY_RIGHT"), start):
        p, where = f.payload, f"property.realEstate[{i}]"
        uses = p.get("buildingUse") or []
        out.append(
            PropertyRight(
                member_id=str(m.person_id),
                property_number=str(p.get("propertyNumber") or ""),
                property_kind=str(p.get("propertyKind") or ""),
                right_kind=str(p.get("rightKind") or ""),
                share_numerator=_int(p, "shareNumerator", where, 1) or 0,
                share_denominator=_int(p, "shareDenominator", where, 1) or 0,
                address_code=str(p["addressCode"]) if p.get("addressCode") else None,
                parcel_area_m2=_int(p, "parcelAreaM2", where, None),
                building_use=tuple(str(u) for u in uses) if isinstance(uses, list) else (),
                cadastral_value=_decimal(p, "cadastralValue", where),
                valid_from=_day(p.get("validFrom")) or f.valid_from,
                valid_to=_day(p.get("validTo")) or f.valid_to,
            )
        )
    return out


def _vehicles(m: MemberFacts) -> list[Vehicle]:
    return [
        Vehicle(
            member_id=str(m.person_id),
            source=f.source,
            registration_number=str(f.payload.get("registrationNumber") or ""),
            category=str(f.payload.get("category") or ""),
            role=str(f.payload.get("role") or ""),
            registration_status=str(f.payload.get("registrationStatus") or ""),
            from_date=_day(f.payload.get("from")) or f.valid_from,
            to_date=_day(f.payload.get("to")) or f.valid_to,
        )
        for f in m.of_kind("VEHICLE")
    ]


def _roles(m: MemberFacts, start: int) -> list[EnterpriseRole]:
    return [
        EnterpriseRole(
            member_id=str(m.person_id),
            registration_number=str(f.payload.get("registrationNumber") or ""),
            legal_form=str(f.payload.get("legalForm") or ""),
            entity_status=str(f.payload.get("entityStatus") or ""),
            role=str(f.payload.get("role") or ""),
            share_percent=_decimal(f.payload, "sharePercent", f"property.enterprises[{i}]"),
            from_date=_day(f.payload.get("from")) or f.valid_from,
            to_date=_day(f.payload.get("to")) or f.valid_to,
        )
        for i, f in enumerate(m.of_kind("ENTERPRISE_ROLE"), start)
    ]


def property_facts(hh: HouseholdFacts, override: Override | None = None) -> PropertyFacts | None:
    """The household's ``property`` input, or ``None`` when it has no property fact and no
    override (then the declared flag decides).

    Raises:
        InputError: a stored fact's number is malformed (the field path is named).
    """
    rights: list[PropertyRight] = []
    vehicles: list[Vehicle] = []
    roles: list[EnterpriseRole] = []
    for m in hh.members:
        rights += _rights(m, len(rights))
        vehicles += _vehicles(m)
        roles += _roles(m, len(roles))
    if not (rights or vehicles or roles) and override is None:
        return None
    return PropertyFacts(
        real_estate=tuple(rights),
        vehicles=tuple(vehicles),
        enterprises=tuple(roles),
        dwelling_address_code=dwelling_address(hh),
        override=PropertyOverride(
            PropertyResult(override.result), override.reason, override.decided_on
        )
        if override
        else None,
    )


def property_detail(test: PropertyTest, size: int) -> str:
    """A PROPERTY_ACQUIRED flag's detail: counts by rule, never an identifier or a reason."""
    by_rule: Counter[str] = Counter()
    for item in test.items:
        if item.outcome in (ItemOutcome.FAIL, ItemOutcome.REVIEW):
            by_rule[f"{item.rule} {item.outcome}"] += 1
    items = ", ".join(f"{n} {what}" for what, n in sorted(by_rule.items()))
    return (
        f"property test {test.result} for a household of {size}: {items} "
        "(property.md §8; tilts assess on the case lists the items)"
    )
