"""The ``property`` input of the case JSON (``property.md`` §8; ``assessment.md`` §7).

``{"dwellingAddressCode": "100000001", "realEstate": [...], "vehicles": [...],
"enterprises": [...], "override": {...}}``, every key optional:

* ``realEstate``: VZD ``right`` fields (``property.md`` §2) plus ``memberId``;
  ``shareNumerator``, ``shareDenominator`` and ``parcelAreaM2`` are integers or strings of
  digits (the facts keep them either way), ``cadastralValue`` an amount string;
* ``vehicles``: CSDD / VTUA fields (§3) plus ``memberId`` and ``source`` (``CSDD`` or
  ``VTUA``; the category must be one of that registry's);
* ``enterprises``: UR role fields (§4) plus ``memberId``; ``sharePercent`` a decimal string
  from 0 to 100;
* ``override`` (Tilts' extension): the social worker's decision ``{"result": "MET" |
  "NOT_MET", "reason": "…", "decidedOn": "YYYY-MM-DD"}`` (``decidedOn`` optional), recorded
  in the case; it beats the computed result.

Registry records may carry the registries' other fields (``make``, ``legalName``, ``landBookFolio``,
...), which are ignored; unknown keys in ``property`` and ``override`` are refused. Vocabulary
checks (:func:`property_problems`) run for cases built by the flows too.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainValidator
from pydantic_core import PydanticCustomError

from tilts.assessment.fields import Amount, DateField, Text
from tilts.assessment.property_model import (
    EnterpriseRole,
    PropertyFacts,
    PropertyOverride,
    PropertyResult,
    PropertyRight,
    Vehicle,
)

PROPERTY_KINDS = ("LAND", "BUILDING", "APARTMENT")
RIGHT_KINDS = ("OWNER", "LEGAL_POSSESSOR", "USER")
VEHICLE_CATEGORIES = {
    "CSDD": ("M1", "N1", "L1", "L2", "L3", "L4", "L5", "L6", "L7", "O", "OTHER"),
    "VTUA": ("TRACTOR", "SELF_PROPELLED", "TRAILER", "OTHER"),
}
VEHICLE_ROLES = ("OWNER", "HOLDER", "KEEPER")
REGISTRATION_STATUSES = ("REGISTERED", "TEMPORARILY_DEREGISTERED", "DEREGISTERED")
LEGAL_FORMS = ("SIA", "AS", "IK", "ZS", "KS", "PS", "BIEDRIBA", "OTHER")
ENTITY_STATUSES = ("ACTIVE", "INSOLVENT", "LIQUIDATION", "EXCLUDED")
ENTERPRISE_ROLES = ("MEMBER", "OFFICER", "BENEFICIAL_OWNER", "SOLE_PROPRIETOR")
OVERRIDE_RESULTS = ("MET", "NOT_MET")


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PydanticCustomError("count", "must be a whole number (or a string of digits)")
    text = str(value)
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise PydanticCustomError("count", "must be a whole number (or a string of digits)")
    return int(text)


def _percent(value: object) -> Decimal:
    if not isinstance(value, str) or not value.isascii():
        raise PydanticCustomError("percent", 'must be a percentage written as a string, "50.00"')
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise PydanticCustomError("percent", "must be a percentage from 0 to 100") from None
    if not number.is_finite() or not 0 <= number <= 100:
        raise PydanticCustomError("percent", "must be a percentage from 0 to 100")
    return number


def _uses(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise PydanticCustomError("uses", "must be an array of use codes")
    return tuple(value)


Count = Annotated[int, PlainValidator(_count)]
Percent = Annotated[Decimal, PlainValidator(_percent)]
Uses = Annotated[tuple[str, ...], PlainValidator(_uses)]


class _Record(BaseModel):
    # Registry records may carry the registry's other fields; they are not read.
    model_config = ConfigDict(extra="ignore", frozen=True)


class RightIn(_Record):
    memberId: Text
    propertyNumber: Text
    propertyKind: Text
    rightKind: Text
    shareNumerator: Count = 1
    shareDenominator: Count = 1
    addressCode: Text | None = None
    parcelAreaM2: Count | None = None
    buildingUse: Uses = ()
    cadastralValue: Amount | None = None
    validFrom: DateField | None = None
    validTo: DateField | None = None


class VehicleIn(_Record):
    memberId: Text
    source: Text
    registrationNumber: Text
    category: Text
    role: Text
    registrationStatus: Text
    start: DateField | None = Field(default=None, alias="from")
    to: DateField | None = None


class RoleIn(_Record):
    memberId: Text
    registrationNumber: Text
    legalForm: Text
    entityStatus: Text
    role: Text
    sharePercent: Percent | None = None
    start: DateField | None = Field(default=None, alias="from")
    to: DateField | None = None


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    result: Text
    reason: Text
    decidedOn: DateField | None = None


class PropertyIn(BaseModel):
    """The ``property`` object of the case."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    dwellingAddressCode: Text | None = None
    realEstate: list[RightIn] = Field(default_factory=list)
    vehicles: list[VehicleIn] = Field(default_factory=list)
    enterprises: list[RoleIn] = Field(default_factory=list)
    override: OverrideIn | None = None


def property_from(p: PropertyIn) -> PropertyFacts:
    """The :class:`PropertyFacts` of a validated ``property`` object."""
    override = p.override
    result = override.result if override else ""
    return PropertyFacts(
        real_estate=tuple(
            PropertyRight(r.memberId, r.propertyNumber, r.propertyKind, r.rightKind,
                          r.shareNumerator, r.shareDenominator, r.addressCode, r.parcelAreaM2,
                          tuple(r.buildingUse), r.cadastralValue, r.validFrom, r.validTo)
            for r in p.realEstate
        ),
        vehicles=tuple(
            Vehicle(v.memberId, v.source, v.registrationNumber, v.category, v.role,
                    v.registrationStatus, v.start, v.to)
            for v in p.vehicles
        ),
        enterprises=tuple(
            EnterpriseRole(e.memberId, e.registrationNumber, e.legalForm, e.entityStatus, e.role,
                           e.sharePercent, e.start, e.to)
            for e in p.enterprises
        ),
        dwelling_address_code=p.dwellingAddressCode,
        override=PropertyOverride(
            PropertyResult(result) if result in OVERRIDE_RESULTS else PropertyResult.NEEDS_REVIEW,
            override.reason,
            override.decidedOn,
        )
        if override
        else None,
    )  # fmt: skip


def _one_of(names: tuple[str, ...]) -> str:
    return "expected one of " + ", ".join(names)


def property_problems(facts: PropertyFacts, member_ids: set[str]) -> list[str]:
    """``property.<list>[i].<field>: <what is wrong>`` for every bad value (never the value)."""
    problems: list[str] = []

    def check(ok: bool, path: str, what: str) -> None:
        if not ok:
            problems.append(f"property.{path}: {what}")

    for i, r in enumerate(facts.real_estate):
        at = f"realEstate[{i}]"
        check(r.member_id in member_ids, f"{at}.memberId", "is not a member of the case")
        check(r.property_kind in PROPERTY_KINDS, f"{at}.propertyKind", _one_of(PROPERTY_KINDS))
        check(r.right_kind in RIGHT_KINDS, f"{at}.rightKind", _one_of(RIGHT_KINDS))
        check(r.share_denominator >= 1, f"{at}.shareDenominator", "must be at least 1")
        check(
            1 <= r.share_numerator <= max(r.share_denominator, 1),
            f"{at}.shareNumerator",
            "must be from 1 to shareDenominator",
        )
        if r.valid_from and r.valid_to:
            check(r.valid_to >= r.valid_from, f"{at}.validTo", "is before validFrom")
    for i, v in enumerate(facts.vehicles):
        at = f"vehicles[{i}]"
        check(v.member_id in member_ids, f"{at}.memberId", "is not a member of the case")
        sources = tuple(VEHICLE_CATEGORIES)
        check(v.source in sources, f"{at}.source", _one_of(sources))
        if v.source in VEHICLE_CATEGORIES:
            names = VEHICLE_CATEGORIES[v.source]
            check(v.category in names, f"{at}.category", f"{_one_of(names)} ({v.source})")
        check(v.role in VEHICLE_ROLES, f"{at}.role", _one_of(VEHICLE_ROLES))
        check(
            v.registration_status in REGISTRATION_STATUSES,
            f"{at}.registrationStatus",
            _one_of(REGISTRATION_STATUSES),
        )
    for i, e in enumerate(facts.enterprises):
        at = f"enterprises[{i}]"
        check(e.member_id in member_ids, f"{at}.memberId", "is not a member of the case")
        check(e.legal_form in LEGAL_FORMS, f"{at}.legalForm", _one_of(LEGAL_FORMS))
        check(e.entity_status in ENTITY_STATUSES, f"{at}.entityStatus", _one_of(ENTITY_STATUSES))
        check(e.role in ENTERPRISE_ROLES, f"{at}.role", _one_of(ENTERPRISE_ROLES))
    if facts.override is not None:
        check(
            facts.override.result in OVERRIDE_RESULTS,
            "override.result",
            _one_of(OVERRIDE_RESULTS),
        )
    return problems
