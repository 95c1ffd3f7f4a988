"""The Enterprise Register's part of the synthetic world (property.md §7): roles of persons in
enterprises.

A few percent of working-age persons (18–64 on the generation day) hold one or two roles: a
member with a share of an SIA, AS, KS or PS, an officer only (a board member of an SIA, AS or
association), a beneficial owner, or the sole proprietor of an IK. Some enterprises are in
liquidation, insolvent or excluded from the register (their roles ended on exclusion); some
roles end on a day drawn around the generation day, so advancing the clock ends them. Drawn
lazily per person from ``registry_rng(seed, household, "ur:<member>")``: the same seed gives the
same roles, nothing is held, and a million persons cost nothing until asked.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tilts.mocks.world.rural import registry_rng

if TYPE_CHECKING:
    from tilts.mocks.world.population import Population

ROLE_SHARE = 0.05  # modelled: one working-age person in twenty has a role in an enterprise
WORKING_AGE = (18, 64)
_NAMES = ("Ozols", "Dzintars", "Rīts", "Liepa", "Zvaigzne", "Vējš", "Avots", "Kalns", "Upe")
_SHARES = ("100.00", "50.00", "33.33", "25.00", "10.50", "5.00")
# entity status → its weight (modelled): most enterprises are active
_STATUSES = (("ACTIVE", 78), ("LIQUIDATION", 8), ("EXCLUDED", 10), ("INSOLVENT", 4))
# role → (weight, legal forms it comes with)
_ROLES = (
    ("MEMBER", 55, ("SIA", "SIA", "SIA", "AS", "KS", "PS")),
    ("OFFICER", 15, ("SIA", "AS", "BIEDRIBA", "ZS")),
    ("SOLE_PROPRIETOR", 20, ("IK",)),
    ("BENEFICIAL_OWNER", 10, ("SIA", "AS", "OTHER")),
)


@dataclass(frozen=True, slots=True)
class EnterpriseRole:
    """One role as generated; ``end`` may lie after the generation day (the clock ends it)."""

    registration_number: str
    legal_name: str
    legal_form: str
    entity_status: str
    role: str
    share_percent: str | None
    start: dt.date
    end: dt.date | None

    def wire(self, today: dt.date) -> dict[str, Any]:
        """The §4 role as the register shows it ``today`` (an end after today is not shown)."""
        return {
            "registrationNumber": self.registration_number,
            "legalName": self.legal_name,
            "legalForm": self.legal_form,
            "entityStatus": self.entity_status,
            "role": self.role,
            "sharePercent": self.share_percent,
            "from": self.start.isoformat(),
            "to": self.end.isoformat() if self.end is not None and self.end <= today else None,
        }


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _registration_number(rng: random.Random, form: str) -> str:
    head = "5000" if form in ("BIEDRIBA", "OTHER") else "4000"  # associations vs. companies
    return head + f"{rng.randrange(10**7):07d}"


def _draw_role(rng: random.Random, birth: dt.date, ref: dt.date) -> EnterpriseRole:
    role, _, forms = rng.choices(_ROLES, weights=[w for _, w, _ in _ROLES])[0]
    form = rng.choice(forms)
    status = rng.choices(_STATUSES, weights=[w for _, w in _STATUSES])[0][0]
    adult = (
        birth.replace(year=birth.year + 18)
        if (birth.month, birth.day) != (2, 29)
        else (dt.date(birth.year + 18, 3, 1))
    )
    start = max(adult, ref - dt.timedelta(days=rng.randint(90, 6000)))
    end: dt.date | None = None
    if status == "EXCLUDED":  # the enterprise left the register: every role ended
        end = start + dt.timedelta(days=rng.randint(30, max(30, (ref - start).days)))
        end = max(start, min(end, ref - dt.timedelta(days=1)))
    elif rng.random() < 0.15:  # ends around the generation day: advancing the clock ends it
        end = ref + dt.timedelta(days=rng.randint(-400, 400))
        end = max(end, start + dt.timedelta(days=1))
    share = rng.choice(_SHARES) if role == "MEMBER" else None
    name = (
        f'{form} "{rng.choice(_NAMES)} {rng.randint(1, 99)}"'
        if form != "IK"
        else (f'IK "{rng.choice(_NAMES)}"')
    )
    return EnterpriseRole(
        _registration_number(rng, form), name, form, status, role, share, start, end
    )


def member_roles(
    seed: int, household: int, member: int, birth: dt.date, ref: dt.date
) -> list[EnterpriseRole]:
    """The roles of one generated person (none for most; only working-age persons have any)."""
    lo, hi = WORKING_AGE
    if not lo <= _age(birth, ref) <= hi:
        return []
    rng = registry_rng(seed, household, f"ur:{member}")
    if rng.random() >= ROLE_SHARE:
        return []
    return [_draw_role(rng, birth, ref) for _ in range(1 if rng.random() < 0.8 else 2)]


def roles(pop: Population, slot: int) -> list[dict[str, Any]] | None:
    """The roles of the person at ``slot`` as the register shows them today (begun by today),
    ``None`` when the register has no record of the person (never had a role)."""
    if slot >= pop.size:  # born after generation: too young for any role
        return None
    h = pop.household_of(slot)
    member = slot - pop.household_slots(h).start
    person = pop.base_household(h).members[member]
    today = pop.today
    shown = [
        r.wire(today)
        for r in member_roles(pop.seed, h, member, person.birth_date, pop.ref)
        if r.start <= today
    ]
    return shown or None
