"""Households, members and cases: what makes a person a subject of the sync."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.bulk import upsert
from store.models import Case, Household, HouseholdMember
from store.ops import now
from store.persons import ensure_persons


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
    hh = dict(
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
