"""What the re-assessment reads and writes: valid statuses, changed households, their facts and
latest declaration, and the review flags (assessment.md §4).

A household is re-assessed when it holds a valid status and a member's registry facts changed
since the last run; the facts are read with their history (``registry_fact`` is
append-and-supersede), so "current" means not superseded, and ``known_at`` asks what the store
knew at an earlier instant. Every read takes a chunk of internal household ids and issues a
bounded number of statements (1,000 ids per ``IN`` list).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, and_, exists, func, or_, select, text, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from tilts.kernel.errors import InputError
from tilts.kernel.logsafe import scrub
from tilts.registries import DEFAULT_LOOKBACK_MONTHS, REGISTRIES
from tilts.store.decisions import Declaration, DeclaredLine
from tilts.store.models import (
    FLAG_REASONS,
    STATUS_KINDS,
    Application,
    Decision,
    Household,
    HouseholdFlag,
    HouseholdMember,
    MeansDeclaration,
    Municipality,
    Person,
    RegistryFact,
)

#: The registry facts the assessment reads (source, kind): each descriptor's assessed kinds.
ASSESSED_FACTS = tuple((r.source, kind) for r in REGISTRIES for kind in r.assessed_kinds)
#: sources whose facts the assessment reads over a longer window than the income months (LAD's
#: 12 months, property.md §5): a run looks back further for them (their ``lookback_months``)
LONG_WINDOW_SOURCES = tuple(
    r.source for r in REGISTRIES if r.assessed_kinds and r.lookback_months > DEFAULT_LOOKBACK_MONTHS
)
_IN = 1000


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    unique = sorted(set(ids))
    return [unique[i : i + _IN] for i in range(0, len(unique), _IN)]


# --- valid statuses ----------------------------------------------------------------------------


def _valid_on(day: date, kinds: Sequence[str]) -> Any:
    d = Decision
    revocation = aliased(Decision)
    revoked = exists().where(
        revocation.revokes_decision_id == d.id,
        revocation.outcome == "REVOKED",
        revocation.valid_from <= day,
    )
    return and_(
        d.outcome == "GRANTED",
        d.kind.in_(list(kinds)),
        d.valid_from <= day,
        d.valid_to >= day,
        ~revoked,
    )


def valid_decisions(
    session: Session,
    municipality_id: int,
    day: date,
    kinds: Sequence[str] = STATUS_KINDS,
    household_ids: Sequence[int] | None = None,
) -> list[Decision]:
    """Granted decisions of ``kinds`` valid on ``day`` and not revoked by then."""
    stmt = (
        select(Decision)
        .where(Decision.municipality_id == municipality_id, _valid_on(day, kinds))
        .order_by(Decision.household_id, Decision.id)
    )
    if household_ids is None:
        return list(session.scalars(stmt))
    parts = _chunks(household_ids)
    return [d for p in parts for d in session.scalars(stmt.where(Decision.household_id.in_(p)))]


def valid_statuses(
    session: Session, municipality_id: int, day: date, household_ids: Sequence[int] | None = None
) -> list[Decision]:
    """Poor and low-income statuses valid on ``day`` (granted, in validity, not revoked)."""
    return valid_decisions(session, municipality_id, day, STATUS_KINDS, household_ids)


def households_with_valid_status(
    session: Session, municipality_id: int, day: date, after_id: int = 0, limit: int = 5000
) -> list[int]:
    """Ids of households holding a valid status on ``day``, in id order after ``after_id``."""
    stmt = (
        select(Decision.household_id)
        .where(
            Decision.municipality_id == municipality_id,
            _valid_on(day, STATUS_KINDS),
            Decision.household_id > after_id,
        )
        .distinct()
        .order_by(Decision.household_id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def latest_declarations(
    session: Session, household_ids: Sequence[int], day: date
) -> dict[int, Declaration]:
    """Each household's declaration of its latest application submitted on or before ``day``."""
    out: dict[int, Declaration] = {}
    stmt = (
        select(Application.household_id, MeansDeclaration)
        .join(MeansDeclaration, MeansDeclaration.application_id == Application.id)
        .where(Application.submitted_on <= day)
        .order_by(Application.household_id, Application.submitted_on.desc(), Application.id.desc())
    )
    rows = (
        row
        for part in _chunks(household_ids)
        for row in session.execute(stmt.where(Application.household_id.in_(part))).tuples()
    )
    for hid, md in rows:
        if hid in out:
            continue
        out[hid] = Declaration(
            savings=Decimal(md.savings),
            property_conditions_met=md.property_conditions_met,
            cooperation_agreement=md.cooperation_agreement,
            declared_on=md.declared_on,
            housing_expenses={k: Decimal(v) for k, v in (md.housing_expenses or {}).items()},
            declared_income=tuple(
                DeclaredLine(int(x["personId"]), x["type"], Decimal(x["monthlyAmount"]))
                for x in md.declared_income or []
            ),
        )
    return out


# --- changed households and their facts --------------------------------------------------------


def changed_households(
    session: Session,
    household_ids: Sequence[int],
    since: datetime,
    skip_run: str | None = None,
    ended_between: tuple[date, date] | None = None,
) -> set[int]:
    """Households among ``household_ids`` with a current member whose facts changed, or with a
    decision recorded (or corrected) after ``since``: it was never checked against the facts.

    A fact changed when it was fetched after ``since`` (unless run ``skip_run`` fetched it: that
    run already re-assessed it) or superseded after ``since``. ``ended_between = (a, b)`` also
    counts a current disability decision whose validity ended on a day in ``[a, b)``: time,
    not a registry answer, ended it.
    """
    f, hm = RegistryFact, HouseholdMember
    changed = or_(
        and_(f.fetched_at > since, or_(f.run_id.is_(None), f.run_id != (skip_run or ""))),
        f.superseded_at > since,
    )
    if ended_between is not None:
        changed = or_(
            changed,
            and_(
                f.source == "VDEAVK",
                f.kind == "DISABILITY",
                f.superseded_at.is_(None),
                f.valid_to >= ended_between[0],
                f.valid_to < ended_between[1],
            ),
        )
    out: set[int] = set()
    for part in _chunks(household_ids):
        stmt = (
            select(hm.household_id)
            .join(f, f.person_id == hm.person_id)
            .where(hm.household_id.in_(part), hm.member_to.is_(None), changed)
            .distinct()
        )
        out.update(session.scalars(stmt))
        decided = select(Decision.household_id).where(
            Decision.household_id.in_(part), Decision.updated_at > since
        )
        out.update(session.scalars(decided.distinct()))
    return out


@dataclass(frozen=True)
class FactRow:
    """One registry fact as the case builder reads it."""

    source: str
    kind: str
    payload: dict[str, Any]
    valid_from: date | None
    valid_to: date | None
    period: str | None


@dataclass
class MemberFacts:
    """A household member (internal id) with the facts the assessment reads."""

    person_id: int
    birth_date: date | None
    facts: list[FactRow] = field(default_factory=list)

    def of(self, source: str, kind: str) -> list[FactRow]:
        """The member's facts of one source and kind."""
        return [x for x in self.facts if x.source == source and x.kind == kind]

    def of_kind(self, kind: str) -> list[FactRow]:
        """The member's facts of one kind, from whichever source (the property facts)."""
        return [x for x in self.facts if x.kind == kind]


@dataclass
class HouseholdFacts:
    """A household's members as of a day, with their facts."""

    household_id: int
    external_id: str
    atvk: str
    members: list[MemberFacts] = field(default_factory=list)


def household_facts(
    session: Session,
    household_ids: Sequence[int],
    day: date,
    periods: Sequence[str] | None = None,
    known_at: datetime | None = None,
    long_periods: Sequence[str] | None = None,
) -> dict[int, HouseholdFacts]:
    """The members of each household on ``day`` with the facts the assessment reads: the
    registries' assessed kinds (the property test's among them: property.md §8).

    Args:
        periods: monthly facts of these months only (``None``: every month).
        long_periods: with ``periods``, the months of the sources read over a longer window
            (:data:`LONG_WINDOW_SOURCES`; ``None``: ``periods`` for them too).
        known_at: the facts held at that instant; ``None``: the current facts.
    """
    out: dict[int, HouseholdFacts] = {}
    members: dict[int, list[MemberFacts]] = defaultdict(list)
    hm = HouseholdMember
    for part in _chunks(household_ids):
        rows = session.execute(
            select(Household.id, Household.external_id, Municipality.atvk)
            .join(Municipality, Municipality.id == Household.municipality_id)
            .where(Household.id.in_(part))
        ).tuples()
        out.update({hid: HouseholdFacts(hid, ext, atvk) for hid, ext, atvk in rows})
        rows2 = session.execute(
            select(hm.household_id, hm.person_id, Person.birth_date)
            .join(Person, Person.id == hm.person_id)
            .where(
                hm.household_id.in_(part),
                or_(hm.member_from.is_(None), hm.member_from <= day),
                or_(hm.member_to.is_(None), hm.member_to >= day),
            )
            .order_by(hm.household_id, hm.person_id)
        ).tuples()
        for hid, pid, born in rows2:
            member = MemberFacts(pid, born)
            members[pid].append(member)
            out[hid].members.append(member)
    f = RegistryFact
    cond: list[ColumnElement[bool]] = [tuple_(f.source, f.kind).in_(ASSESSED_FACTS)]
    if known_at is None:
        cond.append(f.superseded_at.is_(None))
    else:
        cond += [
            f.fetched_at <= known_at,
            or_(f.superseded_at.is_(None), f.superseded_at > known_at),
        ]
    if periods is not None:
        short = or_(f.period.is_(None), f.period.in_(list(periods)))
        if long_periods is not None and LONG_WINDOW_SOURCES:
            long = or_(f.period.is_(None), f.period.in_(list(long_periods)))
            short = or_(
                and_(f.source.in_(LONG_WINDOW_SOURCES), long),
                and_(f.source.not_in(LONG_WINDOW_SOURCES), short),
            )
        cond.append(short)
    cols = (f.person_id, f.source, f.kind, f.payload, f.valid_from, f.valid_to, f.period)
    for part in _chunks(list(members)):
        for pid, *rest in session.execute(select(*cols).where(f.person_id.in_(part), *cond)):
            row = FactRow(*rest)
            for member in members[pid]:
                member.facts.append(row)
    return out


# --- review flags ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewFlag:
    """A reason to review a household's decision; ``detail`` holds no personal data."""

    household_id: int
    decision_id: int
    reason: str
    detail: str


@dataclass(frozen=True)
class FlagView:
    """An open (or resolved) flag as ``tilts status`` shows it: no personal code, no name."""

    id: int
    municipality: str
    household: str
    decision: str
    reason: str
    detail: str
    flagged_at: datetime
    status: str


def open_flags(
    session: Session, flags: Sequence[NewFlag], run_id: str | None, flagged_at: datetime
) -> list[NewFlag]:
    """Open flags; one already open for the same household, decision and reason is kept as it is.

    Returns:
        The flags opened by this call (not those that were open already).
    """
    for i, f in enumerate(flags):
        if f.reason not in FLAG_REASONS:
            raise InputError(f"flags[{i}].reason: expected one of {', '.join(FLAG_REASONS)}")
    rows = [
        {
            "household_id": f.household_id,
            "decision_id": f.decision_id,
            "reason": f.reason,
            # defence in depth: nothing shaped like a personal code is ever stored here
            "detail": scrub(f.detail)[:1000],
            "flagged_at": flagged_at,
            "run_id": run_id,
            "status": "OPEN",
        }
        for f in flags
    ]
    if not rows:
        return []
    unique = list({(r["household_id"], r["decision_id"], r["reason"]): r for r in rows}.values())
    t = cast(Table, HouseholdFlag.__table__)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # the partial unique index (open flags only) is the arbiter: a concurrent or repeated run
    # cannot open the same flag twice
    stmt = (
        dialect.insert(t)
        .on_conflict_do_nothing(
            index_elements=["household_id", "decision_id", "reason"],
            index_where=text("status = 'OPEN'"),
        )
        .returning(t.c.household_id, t.c.decision_id, t.c.reason)
    )
    opened = set(session.execute(stmt, unique).tuples())
    by_key = {(f.household_id, f.decision_id, f.reason): f for f in flags}
    return [by_key[k] for k in by_key if k in opened]


def resolve_flags(session: Session, flag_ids: Sequence[int], resolved_at: datetime) -> int:
    """Mark open flags resolved (a social worker reviewed the household)."""
    if not flag_ids:
        return 0
    result = session.execute(
        update(HouseholdFlag)
        .where(HouseholdFlag.id.in_(list(flag_ids)), HouseholdFlag.status == "OPEN")
        .values(status="RESOLVED", resolved_at=resolved_at)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def list_flags(
    session: Session,
    status: str = "OPEN",
    municipality_id: int | None = None,
    limit: int = 20,
) -> list[FlagView]:
    """Flags newest first, with the household's external id (never a personal code)."""
    stmt = (
        select(HouseholdFlag, Household.external_id, Municipality.atvk, Decision.record_id)
        .join(Household, Household.id == HouseholdFlag.household_id)
        .join(Municipality, Municipality.id == Household.municipality_id)
        .join(Decision, Decision.id == HouseholdFlag.decision_id)
        .where(HouseholdFlag.status == status)
    )
    if municipality_id is not None:
        stmt = stmt.where(Household.municipality_id == municipality_id)
    stmt = stmt.order_by(HouseholdFlag.flagged_at.desc(), HouseholdFlag.id.desc()).limit(limit)
    return [
        FlagView(f.id, atvk, ext, rid, f.reason, f.detail, f.flagged_at, f.status)
        for f, ext, atvk, rid in session.execute(stmt).tuples()
    ]


def flag_counts(
    session: Session, status: str = "OPEN", municipality_id: int | None = None
) -> dict[str, int]:
    """Number of flags per reason."""
    stmt = select(HouseholdFlag.reason, func.count()).where(HouseholdFlag.status == status)
    if municipality_id is not None:
        stmt = stmt.join(Household, Household.id == HouseholdFlag.household_id).where(
            Household.municipality_id == municipality_id
        )
    rows = session.execute(stmt.group_by(HouseholdFlag.reason)).tuples()
    return {reason: int(n) for reason, n in sorted(rows)}
