"""The SPOLIS annual report's rows (spolis.md §4), computed from the store.

Decisions where the spec is silent (docs/decisions.md):

* the benefit rows count payments *for* the year's months; a household and its persons are
  counted in a row when a payment above zero was made on one of its decisions; ``ALL`` is any
  benefit paid, each household and person once; the EUR are every payment's (a cancelled one
  is a correction to 0.00);
* the status rows count the households holding a granted, not revoked status on any day of the
  year, with the persons the decision names (its household's members on the decision date);
* a person's category in a row is the first in §6's order among their categories on the
  decision dates of that row's decisions; ``publicWorks`` counts the working-age adults (not a
  child, not of pension age, no disability) in paid temporary public works on such a day, and
  ``childrenWithDisability`` the children with a valid disability decision on such a day;
* ``women`` and ``men`` are the adults by the sex PMLP states (the person row's snapshot as a
  fallback); an adult of unknown sex is in neither, so the sum check reports it;
* ``ukrainianCivilians``: the persons of the row whose household has a case carrying the
  marker (``case.ukrainian_civilian``);
* ``averageMonthsPerPerson`` = person-months with a payment above zero ÷ persons with one;
  ``averageEurPerPersonMonth`` = the row's EUR (cash and in kind) ÷ those person-months; both
  rounded half up to the cent, ``0.00`` where nobody was paid (the status rows).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session

from tilts.assessment import PersonCategory, Rules
from tilts.flows.work.spolis_categories import CategoryBook, Seen
from tilts.flows.work.spolis_figures import ZERO, persons_of
from tilts.kernel.errors import InputError
from tilts.schemas.spolis import CATEGORY_FIELDS, STATUS_ROWS
from tilts.store import spolis_reads as reads
from tilts.store.models import BENEFIT_KINDS, Decision
from tilts.store.spolis_reads import FactVersion

CENT = Decimal("0.01")
ORDER = {c: i for i, c in enumerate(PersonCategory)}
WORKING_AGE = {
    PersonCategory.PARENTAL_LEAVE,
    PersonCategory.WORKING_AGE_EMPLOYED,
    PersonCategory.WORKING_AGE_NOT_EMPLOYED,
}


def _eur(value: Decimal) -> str:
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):.2f}"


@dataclass
class _Row:
    households: set[int] = field(default_factory=set)
    persons: dict[int, list[Seen]] = field(default_factory=dict)
    months: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    ukrainian: set[int] = field(default_factory=set)
    cash: Decimal = ZERO
    in_kind: Decimal = ZERO


def sex_of(versions: list[FactVersion], snapshot: str | None) -> str | None:
    """The sex PMLP states in the person's latest ``BASIC`` fact, else the person row's."""
    basic = [v for v in versions if v.source == "PMLP" and v.kind == "BASIC"]
    for v in sorted(basic, key=lambda v: v.fetched_at, reverse=True):
        if v.payload.get("sex"):
            return str(v.payload["sex"])
    return snapshot


def _status_decisions(session: Session, mid: int, year: int) -> list[Decision]:
    """Statuses granted and not revoked on some day of ``year``."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    granted = reads.decisions(session, mid, STATUS_ROWS, None, "GRANTED")
    revoked = {
        d.revokes_decision_id: d.valid_from
        for d in reads.decisions(session, mid, STATUS_ROWS, None, "REVOKED")
        if d.revokes_decision_id is not None and d.valid_from is not None
    }
    out = []
    for d in granted:
        if d.valid_from is None or d.valid_to is None:
            continue
        start = max(d.valid_from, first)
        end = d.valid_to if d.id not in revoked else min(d.valid_to, revoked[d.id] - _DAY)
        if start <= min(end, last):
            out.append(d)
    return out


_DAY = date(2000, 1, 2) - date(2000, 1, 1)


def annual_rows(
    session: Session, municipality_id: int, atvk: str, year: int, rules: Rules
) -> tuple[list[dict[str, object]], int]:
    """The §4 rows of ``year`` (each benefit kind, ``ALL``, the two statuses) and the number of
    persons whose category could not be computed (birth date unknown: the rows will not add
    up)."""
    paid = reads.payments(session, municipality_id, [f"{year}-{m:02d}" for m in range(1, 13)])
    statuses = _status_decisions(session, municipality_id, year)
    decided = reads.decisions_by_id(session, [p.decision_id for p in paid])
    every = [*decided.values(), *statuses]
    households = sorted({d.household_id for d in every})
    members = reads.memberships(session, households)
    marked = reads.ukrainian_households(session, households)
    pids = sorted({m.person_id for ms in members.values() for m in ms})
    people = reads.persons(session, pids)
    months = sorted({f"{d.decision_date:%Y-%m}" for d in every})
    versions = reads.fact_versions(session, pids, months)
    book = CategoryBook(versions, {p: r.birth_date for p, r in people.items()}, atvk, rules)
    sexes = {p: sex_of(versions.get(p, []), r.sex) for p, r in people.items()}
    rows = {kind: _Row() for kind in (*BENEFIT_KINDS, "ALL", *STATUS_ROWS)}
    unknown: set[int] = set()

    def count(row: _Row, d: Decision, month: str | None) -> None:
        row.households.add(d.household_id)
        for pid in persons_of(d, members):
            found = row.persons.setdefault(pid, [])
            if month is not None:
                row.months[pid].add(month)
            if d.household_id in marked:
                row.ukrainian.add(pid)
            try:
                found.append(book.seen(pid, d.decision_date))
            except InputError:
                unknown.add(pid)

    for p in paid:
        d = decided[p.decision_id]
        for row in (rows[d.kind], rows["ALL"]):
            if p.form == "CASH":
                row.cash += p.amount
            else:
                row.in_kind += p.amount
            if p.amount > 0:
                count(row, d, p.month)
    for d in statuses:
        count(rows[d.kind], d, None)
    return [_annual_row(kind, row, sexes) for kind, row in rows.items()], len(unknown)


def _annual_row(kind: str, row: _Row, sexes: dict[int, str | None]) -> dict[str, object]:
    counts = dict.fromkeys(CATEGORY_FIELDS.values(), 0)
    disabled = public_works = women = men = 0
    for pid, found in row.persons.items():
        if not found:
            continue  # no category could be computed for this person
        best = min((s.category for s in found), key=ORDER.__getitem__)
        counts[CATEGORY_FIELDS[str(best)]] += 1
        if best is PersonCategory.CHILD:
            disabled += int(any(s.category is best and s.child_with_disability for s in found))
            continue
        public_works += int(best in WORKING_AGE and any(s.public_works for s in found))
        sex = sexes.get(pid)
        women += int(sex == "F")
        men += int(sex == "M")
    person_months = sum(len(m) for m in row.months.values())
    paid_persons = sum(1 for m in row.months.values() if m)
    total = row.cash + row.in_kind
    return {
        "kind": kind,
        "households": len(row.households),
        "persons": len(row.persons),
        **counts,
        "childrenWithDisability": disabled,
        "publicWorks": public_works,
        "women": women,
        "men": men,
        "ukrainianCivilians": len(row.ukrainian),
        "eurCash": _eur(row.cash),
        "eurInKind": _eur(row.in_kind),
        "averageEurPerPersonMonth": _eur(total / person_months) if person_months else "0.00",
        "averageMonthsPerPerson": (
            _eur(Decimal(person_months) / paid_persons) if paid_persons else "0.00"
        ),
    }
