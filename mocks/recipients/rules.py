"""What the mock recipients accept: the OpenAPI request check and the data-minimisation rules.

* :func:`shape_check` — the recipient's request schema from ``mocks/openapi/recipients.json``
  (OpenAPI 3.1, JSON Schema 2020-12, ``format`` asserted) through :mod:`mocks.openapi`; the best
  error is a 400 ``INVALID_REQUEST`` naming the JSON path (never echoing the value: it may be a
  personal code). ``maxItems`` of ``persons`` is the gateway's batch limit (413).
* :data:`ALLOWANCES` and :func:`minimisation_problem` — the table of ``spec/outbound.md``
  ("What each recipient gets", and property.md §9 for BRIDZIS and KIM): allowed roles, age
  rules on ``decisionDate`` from the synthetic population's birth dates, fields beyond the
  envelope. A refusal is 422 ``NOT_ALLOWED`` naming the field (``$.addressCode``,
  ``$.persons[1].role``, ``$.persons[0]``, KIM's ``$.persons``).

Ages (:func:`age_on`, :func:`is_adult`, :func:`is_child`, :func:`is_working_age`) are whole years
on ``decisionDate``; someone born on 29 February has a birthday on 1 March in common years.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tilts.mocks import openapi
from tilts.mocks.world.population import Population

DOC = "recipients"
OPERATION = "status-notifications"

ADULT_AGE = 18
STATE_PENSION_AGE = 65
"""Latvia's state pension age: 65 since 2025 (law "On State Pensions", §11). A fixed age is
enough for the mock; the real NVA would use the person's own pension age."""


def age_on(birth: dt.date, day: dt.date) -> int:
    """Whole years of age on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def is_adult(age: int) -> bool:
    return age >= ADULT_AGE


def is_child(age: int) -> bool:
    return age < ADULT_AGE


def is_working_age(age: int) -> bool:
    """NVA's "working age": adult and below the state pension age (``18 <= age < 65``).

    The only age rule of NVA; change it here (for example to a pension age by birth year).
    """
    return ADULT_AGE <= age < STATE_PENSION_AGE


ENVELOPE: frozenset[str] = frozenset(
    openapi.resolve(DOC, "#/components/schemas/Notification")["properties"]
)
PERSON_FIELDS: frozenset[str] = frozenset(
    openapi.resolve(DOC, "#/components/schemas/Person")["properties"]
)


@dataclass(frozen=True)
class AgeRule:
    """An age test of one role: ``test(age)``, described as ``what`` in a refusal."""

    what: str
    test: Callable[[int], bool]


ADULT = AgeRule("an adult", is_adult)


@dataclass(frozen=True)
class Allowance:
    """What one recipient may receive.

    Attributes:
        roles: roles it may get, each with an optional age rule on ``decisionDate``.
        extra_fields: fields beyond the envelope it may (and then must) get.
        required_role: a role every notification must include (BARIS: ``CHILD``).
        exclusive_role: a role that excludes every other one and comes once (BVKB: the
            ``CONTRACT_HOLDER``, else adult ``MEMBER``s).
        persons: whether it receives persons at all (KIM: no, the ``household``'s size and
            ages instead; property.md §9).
    """

    roles: Mapping[str, AgeRule | None]
    extra_fields: frozenset[str] = field(default_factory=frozenset)
    required_role: str | None = None
    exclusive_role: str | None = None
    persons: bool = True


ALLOWANCES: dict[str, Allowance] = {
    "nino": Allowance({"OWNER": None}, frozenset({"addressCode"})),
    "jpa": Allowance({"MEMBER": ADULT}),
    "bvkb": Allowance(
        {"CONTRACT_HOLDER": ADULT, "MEMBER": ADULT}, exclusive_role="CONTRACT_HOLDER"
    ),
    "nva": Allowance({"MEMBER": AgeRule("of working age (18 to 64)", is_working_age)}),
    "baris": Allowance(
        {"CHILD": AgeRule("a child (under 18)", is_child), "LEGAL_REPRESENTATIVE": None},
        required_role="CHILD",
    ),
    # property.md §9: the whole household; KIM no persons, the household's size and ages
    "bridzis": Allowance({"MEMBER": ADULT, "CHILD": AgeRule("a child (under 18)", is_child)}),
    "kim": Allowance({}, frozenset({"household"}), persons=False),
}
HOUSEHOLD_FIELDS: frozenset[str] = frozenset(
    openapi.resolve(DOC, "#/components/schemas/KimHousehold")["properties"]
)


@dataclass(frozen=True)
class Problem:
    """A refusal of the recipient itself: status, machine code, detail, the field it names."""

    status: int
    code: str
    detail: str
    field: str | None = None


def operation_path(recipient: str) -> str:
    return f"/recipients/{recipient}/api/v1/{OPERATION}"


def shape_check(recipient: str) -> Callable[[dict[str, Any]], Problem | None]:
    """The body check of ``recipient`` derived from the document: 400 naming the JSON path."""
    validate = openapi.request_validator(DOC, operation_path(recipient), "persons")

    def check(body: dict[str, Any]) -> Problem | None:
        detail = validate(body)
        if detail is None:
            return None
        return Problem(400, "INVALID_REQUEST", detail, detail.split(": ", 1)[0])

    return check


def semantic_problem(body: Mapping[str, Any]) -> Problem | None:
    """What the schema cannot say: ``validFrom`` after ``validTo``, a person listed twice, more
    ages than members (KIM)."""
    if dt.date.fromisoformat(body["validFrom"]) > dt.date.fromisoformat(body["validTo"]):
        return Problem(400, "INVALID_REQUEST", "$.validTo: is before validFrom", "$.validTo")
    household = body.get("household")
    if isinstance(household, dict) and len(household["memberAges"]) > household["size"]:
        where = "$.household.memberAges"
        return Problem(400, "INVALID_REQUEST", f"{where}: more ages than size", where)
    persons = body.get("persons")
    if not isinstance(persons, list) or not all(
        isinstance(p, dict) and "personCode" in p for p in persons
    ):
        return None  # KIM's schema has no persons: the allowance refuses them by name
    seen: set[str] = set()
    for i, person in enumerate(persons):
        if person["personCode"] in seen:
            where = f"$.persons[{i}].personCode"
            return Problem(400, "INVALID_REQUEST", f"{where}: the person is listed twice", where)
        seen.add(person["personCode"])
    return None


def _not_allowed(where: str, detail: str) -> Problem:
    return Problem(422, "NOT_ALLOWED", f"{where}: {detail}", where)


def minimisation_problem(
    recipient: str, body: Mapping[str, Any], population: Population
) -> tuple[Problem | None, list[int]]:
    """422 ``NOT_ALLOWED`` for anything outside ``recipient``'s allowance, else the persons' slots.

    Checks, in order: fields beyond the envelope; per person: fields beyond ``personCode`` and
    ``role``, the role, the person known to the population, the role's age rule; then the
    required and the exclusive role.
    """
    allowance = ALLOWANCES[recipient]
    envelope = ENVELOPE if allowance.persons else ENVELOPE - {"persons"}
    extra = sorted(set(body) - envelope - allowance.extra_fields)
    if extra:
        return _not_allowed(f"$.{extra[0]}", f"{recipient} does not receive {extra[0]}"), []
    if not allowance.persons:
        extra = sorted(set(body["household"]) - HOUSEHOLD_FIELDS)
        if extra:
            where = f"$.household.{extra[0]}"
            return _not_allowed(where, f"{recipient} does not receive {extra[0]}"), []
        return None, []
    day = dt.date.fromisoformat(body["decisionDate"])
    slots: list[int] = []
    roles: list[str] = []
    for i, person in enumerate(body["persons"]):
        extra = sorted(set(person) - PERSON_FIELDS)
        if extra:
            where = f"$.persons[{i}].{extra[0]}"
            return _not_allowed(where, f"{recipient} does not receive {extra[0]}"), []
        role: str = person["role"]
        if role not in allowance.roles:
            allowed = ", ".join(allowance.roles)
            detail = f"{recipient} does not receive role {role} (only {allowed})"
            return _not_allowed(f"$.persons[{i}].role", detail), []
        slot = population.resolve(person["personCode"])
        view = None if slot is None else population.person(slot)
        if slot is None or view is None:
            return _not_allowed(f"$.persons[{i}]", f"the person is unknown to {recipient}"), []
        rule = allowance.roles[role]
        if rule is not None and not rule.test(age_on(view.birth_date, day)):
            detail = f"{recipient} receives a {role} only if {rule.what} on decisionDate"
            return _not_allowed(f"$.persons[{i}]", detail), []
        slots.append(slot)
        roles.append(role)
    if allowance.required_role is not None and allowance.required_role not in roles:
        detail = f"{recipient} receives only households with a {allowance.required_role}"
        return _not_allowed("$.persons", detail), []
    exclusive = allowance.exclusive_role
    if exclusive is not None and exclusive in roles:
        for i, role in enumerate(roles):
            if role != exclusive or roles.index(exclusive) != i:
                detail = f"{recipient} receives one {exclusive} and no other person"
                return _not_allowed(f"$.persons[{i}].role", detail), []
    return None, slots
