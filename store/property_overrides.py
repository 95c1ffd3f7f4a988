"""The social worker's property override, stored with its reason (``property.md`` §8).

The worker's confirmation of the property conditions stays, as an override of the computed
property test: ``MET`` (e.g. the enterprise gives no income, the second car is a wreck) or
``NOT_MET``, with the reason in the worker's words and the day decided. Rows are only added;
the latest of a household is in force. The re-assessment reads it into the household's case
(:func:`latest_overrides`), where it beats the computed result for the property held on the
day decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tilts.kernel.errors import InputError
from tilts.store.models import PROPERTY_OVERRIDE_RESULTS, Household, PropertyOverride

MAX_REASON = 2000
_IN = 1000


@dataclass(frozen=True)
class Override:
    """An override as the case builder reads it."""

    result: str
    reason: str
    decided_on: date


def record_override(
    session: Session,
    municipality_id: int,
    household: str,
    result: str,
    reason: str,
    decided_on: date,
    recorded_at: datetime,
) -> int:
    """Store an override for the household with external id ``household``; its row id.

    Raises:
        InputError: an unknown household, a result other than MET / NOT_MET, or an empty or
            overlong reason (the values are never repeated).
    """
    if result not in PROPERTY_OVERRIDE_RESULTS:
        raise InputError(f"--result: expected one of {', '.join(PROPERTY_OVERRIDE_RESULTS)}")
    if not reason.strip():
        raise InputError("--reason: the override needs the social worker's reason")
    if len(reason) > MAX_REASON:
        raise InputError(f"--reason: at most {MAX_REASON} characters")
    hid = session.scalar(
        select(Household.id).where(
            Household.municipality_id == municipality_id, Household.external_id == household
        )
    )
    if hid is None:
        raise InputError("--household: no household of the municipality has this id")
    row = PropertyOverride(
        household_id=hid,
        result=result,
        reason=reason.strip(),
        decided_on=decided_on,
        recorded_at=recorded_at,
    )
    session.add(row)
    session.flush()
    return row.id


def latest_overrides(session: Session, household_ids: Sequence[int]) -> dict[int, Override]:
    """Each household's override in force (its latest row), for households that have one."""
    out: dict[int, Override] = {}
    unique = sorted(set(household_ids))
    for i in range(0, len(unique), _IN):
        part = unique[i : i + _IN]
        rows = session.execute(
            select(PropertyOverride)
            .where(PropertyOverride.household_id.in_(part))
            .order_by(PropertyOverride.household_id, PropertyOverride.id.desc())
        ).scalars()
        for row in rows:
            out.setdefault(row.household_id, Override(row.result, row.reason, row.decided_on))
    return out
