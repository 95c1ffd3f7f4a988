"""SPOLIS person categories as of a day (assessment.md §6), from the facts the store held then.

A decision record states the category "as of the decision date": the facts the municipality
had when it decided, not what registries said later. So a person's facts are read as the store
knew them at the end of that day (Europe/Riga) — a fact fetched or changed afterwards does not
move the category — and then judged by their validity on that day with the calculator's own
:func:`assessment.person_category`.

Where the store knew nothing yet of the person at that moment — no fact of any source fetched
by then: its history starts later (a case taken over with its past decisions, or the demo's
seeded year) — the facts it held right after its first fetch from each source stand in;
validity on the day still decides. Once the store knew the person (a population sync always
stores a PMLP fact), an absent fact means the registry reported none, and nothing fetched later
is read back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from tilts.assessment import (
    Person,
    PersonCategory,
    Rules,
    is_child_with_disability,
    person_category,
)
from tilts.flows.work.reassess import build_case
from tilts.kernel.clock import RIGA
from tilts.store.reassess import FactRow, HouseholdFacts, MemberFacts
from tilts.store.spolis_reads import FactVersion

ORDER = {c: i for i, c in enumerate(PersonCategory)}


def end_of_day(day: date) -> datetime:
    """The instant a day ends in Riga (what the store knew "as of" that day)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=RIGA)


def _held(versions: Sequence[FactVersion], at: datetime) -> list[FactVersion]:
    return [
        v
        for v in versions
        if v.fetched_at <= at and (v.superseded_at is None or v.superseded_at > at)
    ]


def facts_known(versions: Sequence[FactVersion], at: datetime) -> list[FactRow]:
    """A person's fact versions held at ``at``; when the store held none of the person's facts
    yet, those it held right after its first fetch from each source (module docstring)."""
    if any(v.fetched_at <= at for v in versions):
        held = _held(versions, at)
    else:
        sources = {v.source for v in versions}
        held = []
        for source in sorted(sources):
            mine = [v for v in versions if v.source == source]
            held += _held(mine, min(v.fetched_at for v in mine))
    return [FactRow(v.source, v.kind, v.payload, v.valid_from, v.valid_to, v.period) for v in held]


@dataclass(frozen=True)
class Seen:
    """A person on a day, for the annual report: the category (public works is not one there:
    the person's category without the measure), whether a child with a disability, whether in
    paid temporary public works (assessment.md §6 "of which" counts)."""

    category: PersonCategory
    child_with_disability: bool
    public_works: bool


class CategoryBook:
    """Categories of persons on days, computed once each.

    Args:
        versions: every fact version of the persons (:func:`store.spolis_reads.fact_versions`).
        births: the birth-date snapshot of each person (PMLP's ``BASIC`` fact wins over it).
        atvk: the municipality (the calculator's case needs one).
        rules: the assessment rules (pension age by year).
    """

    def __init__(
        self,
        versions: dict[int, list[FactVersion]],
        births: dict[int, date | None],
        atvk: str,
        rules: Rules,
    ) -> None:
        self._versions = versions
        self._births = births
        self._atvk = atvk
        self._rules = rules
        self._cache: dict[tuple[int, date], tuple[PersonCategory, bool]] = {}
        self._persons: dict[tuple[int, date], Person] = {}

    def _person(self, person_id: int, day: date) -> Person:
        key = (person_id, day)
        if key not in self._persons:
            facts = facts_known(self._versions.get(person_id, []), end_of_day(day))
            member = MemberFacts(person_id, self._births.get(person_id), facts)
            household = HouseholdFacts(0, "", self._atvk, [member])
            self._persons[key] = build_case(household, day, None, self._atvk).members[0]
        return self._persons[key]

    def seen(self, person_id: int, day: date) -> Seen:
        """The person on ``day`` as the annual report counts them (:class:`Seen`).

        Raises:
            InputError: the person's birth date is unknown to the store.
        """
        person = self._person(person_id, day)
        category, disabled = self.on(person_id, day)
        measure = person.nva.active_measure if person.nva else None
        in_public_works = (
            measure is not None
            and measure.type in self._rules.categories.public_works_measures
            and measure.active_on(day)
        )
        if category is PersonCategory.PUBLIC_WORKS:  # the category it stands in front of
            category = person_category(replace(person, nva=None), day, rules=self._rules)
        return Seen(category, disabled, in_public_works)

    def on(self, person_id: int, day: date) -> tuple[PersonCategory, bool]:
        """The person's category on ``day`` and whether they are a child with a disability.

        Raises:
            InputError: the person's birth date is unknown to the store.
        """
        key = (person_id, day)
        if key not in self._cache:
            person = self._person(person_id, day)
            self._cache[key] = (
                person_category(person, day, rules=self._rules),
                is_child_with_disability(person, day, self._rules),
            )
        return self._cache[key]
