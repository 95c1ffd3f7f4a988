"""Households, members and cases: what makes a person a subject of the sync."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from tilts.store.bulk import upsert
from tilts.store.models import Case, Household, HouseholdMember, Person
from tilts.store.ops import now
from tilts.store.persons import ensure_persons


def seed_households(
    session: Session,
    municipality_id: int,
    households: Iterable[tuple[str, Sequence[str]]],
    opened_on: date,
    case_prefix: str = "SD",
    head_roles: str = "MEMBER",
) -> int:
    """Create (idempotently) households with their members and one open case each.

    Args:
        households: (external household id, member codes) pairs.
        head_roles: case roles of each household's first listed member (e.g.
            ``"MEMBER,OWNER,CONTRACT_HOLDER"``); the others are ``MEMBER``.

    Returns:
        The number of households seeded.
    """
    items = list(households)
    ids = ensure_persons(session, [c for _, codes in items for c in codes], now())
    upsert(
        session,
        Household.__table__,
        [{"municipality_id": municipality_id, "external_id": ext} for ext, _ in items],
        ["municipality_id", "external_id"],
    )
    hh: dict[str, int] = dict(
        session.execute(
            select(Household.external_id, Household.id).where(
                Household.municipality_id == municipality_id,
                Household.external_id.in_([ext for ext, _ in items]),
            )
        )
        .tuples()
        .all()
    )
    members: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    for ext, codes in items:
        for position, code in enumerate(codes):
            members.append(
                {
                    "household_id": hh[ext],
                    "person_id": ids[code],
                    "roles": head_roles if position == 0 else "MEMBER",
                    "member_from": opened_on,
                }
            )
        cases.append(
            {
                "municipality_id": municipality_id,
                "household_id": hh[ext],
                "case_number": f"{case_prefix}-{ext}",
                "status": "OPEN",
                "opened_on": opened_on,
            }
        )
    upsert(session, HouseholdMember.__table__, members, ["household_id", "person_id"])
    upsert(session, Case.__table__, cases, ["municipality_id", "case_number"])
    return len(items)


def close_case(session: Session, municipality_id: int, case_number: str, closed_on: date) -> None:
    """Close a case: its members stop being subjects of the sync."""
    session.execute(
        update(Case)
        .where(Case.municipality_id == municipality_id, Case.case_number == case_number)
        .values(status="CLOSED", closed_on=closed_on)
    )


# --- the caseload file's rows (tilts cases import / export, docs/caseload-format.md) ----------

PART = 5000  # keys per IN list


@dataclass(frozen=True)
class CaseRow:
    """One valid caseload row: one member of one case's household."""

    case_number: str
    household: str
    code: str
    roles: str  # stored form: comma-separated
    member_from: date | None
    member_to: date | None
    opened_on: date
    closed_on: date | None
    ukrainian_civilian: bool


@dataclass
class CaseloadFigures:
    """What an import changed (all zero on a second import of the same file)."""

    households_created: int = 0
    cases_created: int = 0
    cases_updated: int = 0
    cases_closed: int = 0
    members_added: int = 0
    members_updated: int = 0
    members_ended: int = 0


def _parts(keys: Sequence[Any]) -> Iterable[list[Any]]:
    items = list(keys)
    for i in range(0, len(items), PART):
        yield items[i : i + PART]


def apply_caseload(
    session: Session,
    municipality_id: int,
    rows: Sequence[CaseRow],
    today: date,
    close_missing: bool = False,
    named: Iterable[str] = (),
) -> CaseloadFigures:
    """Make the store hold what ``rows`` say, touching only what differs (idempotent).

    The rows of a household list all of its members: a member the store has and the file
    does not gets ``member_to`` = ``today``. A case the file does not name (neither in
    ``rows`` nor in ``named``, the case numbers of its refused rows) is closed only with
    ``close_missing`` (a full export).
    """
    fig = CaseloadFigures()
    ids: dict[str, int] = {}
    for part in _parts(sorted({r.code for r in rows})):  # bound parameters per statement
        ids.update(ensure_persons(session, part, now()))
    hh = _households(session, municipality_id, sorted({r.household for r in rows}), fig)
    _cases(session, municipality_id, rows, hh, fig)
    _members(session, rows, hh, ids, today, fig)
    if close_missing:
        named = {r.case_number for r in rows} | set(named)
        for case in session.scalars(
            select(Case).where(Case.municipality_id == municipality_id, Case.status == "OPEN")
        ):
            if case.case_number not in named:
                case.status, case.closed_on = "CLOSED", today
                fig.cases_closed += 1
    return fig


def _households(
    session: Session, mid: int, externals: list[str], fig: CaseloadFigures
) -> dict[str, int]:
    found: dict[str, int] = {}
    for part in _parts(externals):
        found.update(
            session.execute(
                select(Household.external_id, Household.id).where(
                    Household.municipality_id == mid, Household.external_id.in_(part)
                )
            )
            .tuples()
            .all()
        )
    new = [ext for ext in externals if ext not in found]
    if new:
        upsert(
            session,
            Household.__table__,
            [{"municipality_id": mid, "external_id": ext} for ext in new],
            ["municipality_id", "external_id"],
        )
        fig.households_created += len(new)
        return _households(session, mid, externals, CaseloadFigures())
    return found


def _cases(
    session: Session, mid: int, rows: Sequence[CaseRow], hh: dict[str, int], fig: CaseloadFigures
) -> None:
    wanted = {r.case_number: r for r in rows}
    existing: dict[str, Case] = {}
    for part in _parts(sorted(wanted)):
        for case in session.scalars(
            select(Case).where(Case.municipality_id == mid, Case.case_number.in_(part))
        ):
            existing[case.case_number] = case
    new: list[dict[str, Any]] = []
    for number, r in wanted.items():
        values = {
            "household_id": hh[r.household],
            "status": "CLOSED" if r.closed_on else "OPEN",
            "opened_on": r.opened_on,
            "closed_on": r.closed_on,
            "ukrainian_civilian": r.ukrainian_civilian,
        }
        found = existing.get(number)
        if found is None:
            new.append({"municipality_id": mid, "case_number": number, **values})
        elif any(getattr(found, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(found, k, v)
            fig.cases_updated += 1
    if new:
        session.execute(insert(Case), new)
        fig.cases_created += len(new)


def _members(
    session: Session,
    rows: Sequence[CaseRow],
    hh: dict[str, int],
    ids: dict[str, int],
    today: date,
    fig: CaseloadFigures,
) -> None:
    wanted: dict[tuple[int, int], tuple[str, date | None, date | None]] = {}
    for r in rows:
        wanted.setdefault((hh[r.household], ids[r.code]), (r.roles, r.member_from, r.member_to))
    existing: dict[tuple[int, int], HouseholdMember] = {}
    for part in _parts(sorted(set(hh.values()))):
        for m in session.scalars(
            select(HouseholdMember).where(HouseholdMember.household_id.in_(part))
        ):
            existing[(m.household_id, m.person_id)] = m
    new: list[dict[str, Any]] = []
    for (hid, pid), (roles, start, end) in wanted.items():
        had = existing.get((hid, pid))
        if had is None:
            new.append({"household_id": hid, "person_id": pid, "roles": roles,
                        "member_from": start, "member_to": end})  # fmt: skip
        elif (had.roles, had.member_from, had.member_to) != (roles, start, end):
            had.roles, had.member_from, had.member_to = roles, start, end
            fig.members_updated += 1
    for key, m in existing.items():
        if key not in wanted and m.member_to is None:
            m.member_to = today
            fig.members_ended += 1
    if new:
        session.execute(insert(HouseholdMember), new)
        fig.members_added += len(new)


def caseload_rows(session: Session, municipality_id: int) -> list[CaseRow]:
    """Every case of the municipality with its household's members, in the file's order
    (case number, then the member's position in the household)."""
    stmt = (
        select(Case, Household.external_id, HouseholdMember, Person.person_code)
        .join(Household, Household.id == Case.household_id)
        .join(HouseholdMember, HouseholdMember.household_id == Household.id)
        .join(Person, Person.id == HouseholdMember.person_id)
        .where(Case.municipality_id == municipality_id)
        .order_by(Case.case_number, HouseholdMember.id)
    )
    return [
        CaseRow(
            case.case_number,
            ext,
            code,
            m.roles,
            m.member_from,
            m.member_to,
            case.opened_on,
            case.closed_on,
            bool(case.ukrainian_civilian),
        )
        for case, ext, m, code in session.execute(stmt).tuples()
    ]
