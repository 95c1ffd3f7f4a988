"""Who each recipient may be told about, and which recipients get which news (outbound.md).

Pure functions over a household's members — no database, no HTTP — so the data-minimisation
table of outbound.md lives in exactly one place, :data:`SELECTORS`:

| recipient | persons | beyond the envelope |
|---|---|---|
| ``nino``  | members whose case role is ``OWNER`` (role ``OWNER``) | ``addressCode`` |
| ``jpa``   | every adult member (``MEMBER``) | – |
| ``bvkb``  | the adult ``CONTRACT_HOLDER`` of the case, else every adult (``MEMBER``) | – |
| ``nva``   | members of working age, 18 to 64 (``MEMBER``) | – |
| ``baris`` | with children only: children (``CHILD``), the case's ``LEGAL_REPRESENTATIVE``s | – |
| ``bridzis`` | the whole household: adults (``MEMBER``), children (``CHILD``) | – |
| ``kim`` | nobody: no ``persons`` | ``household``: reference, size, member ages |

BRIDZIS and KIM are property.md §9's. KIM learns no personal code and no name: its body has no
``persons`` but a ``household`` of an opaque ``reference`` (the store's household id, which
orders KIM's notifications as the persons order the others'), the ``size`` (living members on
the day) and ``memberAges`` (whole years, oldest first, of the members whose birth date is
known; docs/decisions.md).

Ages are whole years on the notification's ``decisionDate`` (the day the recipients check them
on); the household is its members on that day, living. A member whose birth date the store
does not know is left out wherever an age rule applies — when in doubt, tell less. A child is
a member under 18, whatever the case roles say (an adult "child" of the owner is not BARIS's
business); legal representatives come only from the case roles, never guessed from relations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tilts.kernel.config import MunicipalitySettings, RecipientRule
from tilts.store.models_outbox import RECIPIENTS

ADULT_AGE = 18
STATE_PENSION_AGE = 65  # law "On State Pensions" §11 (65 since 2025), as the recipients use it


@dataclass(frozen=True)
class Member:
    """A household member as the rules need them (``roles`` from ``household_member.roles``)."""

    person_id: int
    person_code: str
    roles: frozenset[str]
    birth_date: date | None
    death_date: date | None
    address_code: str | None
    member_from: date | None
    member_to: date | None


def age_on(birth: date, day: date) -> int:
    """Whole years of age on ``day`` (born 29 February: a year older on 1 March)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _age(m: Member, day: date) -> int | None:
    return None if m.birth_date is None else age_on(m.birth_date, day)


def members_on(members: Sequence[Member], day: date) -> list[Member]:
    """The living members of the household on ``day``, by internal person id (a child born
    after ``day`` is not one yet: a decision dated before a birth tells nobody about it)."""
    return sorted(
        (
            m
            for m in members
            if (m.birth_date is None or m.birth_date <= day)
            and (m.member_from is None or m.member_from <= day)
            and (m.member_to is None or m.member_to >= day)
            and (m.death_date is None or m.death_date > day)
        ),
        key=lambda m: m.person_id,
    )


Selected = list[tuple[Member, str]]


def _adults(members: Sequence[Member], day: date) -> Selected:
    return [(m, "MEMBER") for m in members if (a := _age(m, day)) is not None and a >= ADULT_AGE]


def _nino(members: Sequence[Member], day: date) -> Selected:
    return [(m, "OWNER") for m in members if "OWNER" in m.roles]


def _bvkb(members: Sequence[Member], day: date) -> Selected:
    holders = [(m, r) for m, r in _adults(members, day) if "CONTRACT_HOLDER" in m.roles]
    return [(holders[0][0], "CONTRACT_HOLDER")] if holders else _adults(members, day)


def _pension_age(m: Member, day: date) -> bool:
    """Has the member reached the state pension age by ``day``? The calculator's one rule
    (``assessment.md`` §6: the age in force on the day it was reached; 65 y from 2025, and
    someone who reached 64 y 9 m in 2024 stays of pension age); a day before the configured
    pension-age rows falls back to 65 whole years."""
    from tilts.assessment import default_rules as assessment_rules
    from tilts.assessment import pension_age_reached

    if m.birth_date is None:
        return False
    rules = assessment_rules()
    if rules.pension_age_on(day) is None:
        return age_on(m.birth_date, day) >= STATE_PENSION_AGE
    reached = pension_age_reached(m.birth_date, rules)
    return reached is not None and reached[0] <= day


def _nva(members: Sequence[Member], day: date) -> Selected:
    return [
        (m, "MEMBER")
        for m in members
        if (a := _age(m, day)) is not None and a >= ADULT_AGE and not _pension_age(m, day)
    ]


def _baris(members: Sequence[Member], day: date) -> Selected:
    children = [(m, "CHILD") for m in members if (a := _age(m, day)) is not None and a < ADULT_AGE]
    if not children:
        return []
    taken = {m.person_id for m, _ in children}
    representatives = [
        (m, "LEGAL_REPRESENTATIVE")
        for m in members
        if "LEGAL_REPRESENTATIVE" in m.roles and m.person_id not in taken
    ]
    return children + representatives


def _bridzis(members: Sequence[Member], day: date) -> Selected:
    return [
        (m, "MEMBER" if a >= ADULT_AGE else "CHILD")
        for m in members
        if (a := _age(m, day)) is not None
    ]


#: The data-minimisation table of outbound.md and property.md §9: recipient → who it may be
#: told about (KIM: nobody, :func:`kim_household` instead).
SELECTORS: dict[str, Callable[[Sequence[Member], date], Selected]] = {
    "nino": _nino,
    "jpa": _adults,
    "bvkb": _bvkb,
    "nva": _nva,
    "baris": _baris,
    "bridzis": _bridzis,
}
#: Recipients told about the household without any person (property.md §9).
HOUSEHOLD_ONLY = frozenset({"kim"})


def kim_household(members: Sequence[Member], day: date, reference: str) -> dict[str, Any]:
    """KIM's part: the household's size and member ages on ``day`` (``members``: those present),
    under an opaque reference — no personal code, no name."""
    ages = sorted((a for m in members if (a := _age(m, day)) is not None), reverse=True)
    return {"household": {"reference": reference, "size": len(members), "memberAges": ages}}


def dwelling_address(household_address: str | None, members: Sequence[Member]) -> str | None:
    """The dwelling's address code: the household's, else the one most members declare."""
    if household_address:
        return household_address
    counts = Counter(m.address_code for m in members if m.address_code)
    if not counts:
        return None
    return min(counts, key=lambda code: (-counts[code], code))


def content_for(
    recipient: str,
    members: Sequence[Member],
    day: date,
    household_address: str | None,
    household_ref: str | None = None,
) -> dict[str, Any] | None:
    """The recipient-specific part of a body (``persons`` and any extra field; KIM's
    ``household`` under ``household_ref``), or ``None`` when the recipient is to be told nothing
    (nobody it may hear about, or NINO without an address)."""
    present = members_on(members, day)
    if recipient in HOUSEHOLD_ONLY:
        if household_ref is None:
            raise ValueError(f"{recipient}: a household reference is needed")
        return kim_household(present, day, household_ref) if present else None
    chosen = SELECTORS[recipient](present, day)
    if not chosen:
        return None
    out: dict[str, Any] = {
        "persons": [{"personCode": m.person_code, "role": role} for m, role in chosen]
    }
    if recipient == "nino":
        address = dwelling_address(household_address, present)
        if address is None:
            return None
        out["addressCode"] = address
    return out


def default_rules() -> dict[str, RecipientRule]:
    """Every recipient, every status and event: what a municipality without a ``recipients``
    table in its configuration sends (the demo municipalities do)."""
    return {r: RecipientRule() for r in RECIPIENTS}


def rules_for(settings: MunicipalitySettings | None) -> Mapping[str, RecipientRule]:
    """The recipients a municipality tells, and what.

    A configured ``recipients`` table — even an empty one — is taken as it is: a recipient not
    in it gets nothing. Without one (or without settings) :func:`default_rules` apply.
    """
    if settings is None or "recipients" not in settings.model_fields_set:
        return default_rules()
    return {str(name): rule for name, rule in settings.recipients.items()}


def wanted(rules: Mapping[str, RecipientRule], status: str, event: str) -> list[str]:
    """The recipients whose rule takes ``status`` and ``event``, in :data:`RECIPIENTS` order."""
    return [
        r
        for r in RECIPIENTS
        if r in rules and status in rules[r].statuses and event in rules[r].events
    ]
