"""Retroactive rule changes (assessment.md §5): recompute the months already granted and flag
``RECALCULATION_DUE`` with the difference per month, in both directions.

How it knows the rules changed: a fingerprint of the rules in force (every dated row, every
coefficient and list, canonically serialised and hashed) is kept per municipality as the
cursor ``reassess.rules_fingerprint``. When the re-assessment runs with rules whose fingerprint
differs from the stored one, every granted, not revoked GMI and housing-benefit decision that has
payments is recomputed; otherwise nothing is (an ordinary night costs one cursor read). The
first run stores the fingerprint and recomputes nothing: the decisions already in the store are
taken to be those of the rules in force then (``force`` recomputes anyway).

How a decision is recomputed: its household's case is rebuilt as the decision saw it — members
on the request date, the registry facts the store held when the decision was recorded
(``updated_at``: a correction re-records it), the means declaration of its application — and
assessed under the rules now in force. The benefit's schedule gives each month's amount due;
the payments recorded for the decision give each month's amount paid (the stored schedule of
the months granted and paid). A month whose amounts differ is listed with both and the
difference (``+`` more entitlement, ``−`` less); a paid month the new schedule no longer grants
is due 0.00. Months granted but not paid yet are not compared: nothing was paid for them, and
the decision's correction (a social worker's) decides what will be. Facts that arrived after
the decision do not enter: that is the fact-based review's business (``reassess.py``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tilts.assessment import Rules, assess
from tilts.flows.context import NightContext
from tilts.flows.runtime import Runtime
from tilts.flows.work.reassess import build_case
from tilts.kernel.errors import InputError
from tilts.store.db import transaction
from tilts.store.models import BenefitPayment, Decision
from tilts.store.ops import get_cursor, now, set_cursor
from tilts.store.property_overrides import latest_overrides
from tilts.store.reassess import (
    NewFlag,
    household_facts,
    latest_declarations,
    open_flags,
)

CURSOR = "reassess.rules_fingerprint"
BENEFITS = ("BENEFIT_GMI", "BENEFIT_HOUSING")
_NAMES = {"BENEFIT_GMI": "GMI benefit", "BENEFIT_HOUSING": "housing benefit"}


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {
            str(_plain(k)): _plain(v) for k, v in sorted(value.items(), key=lambda i: str(i[0]))
        }
    if isinstance(value, (frozenset, set)):
        return sorted(str(_plain(v)) for v in value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, (Decimal, date)):
        return str(value)
    return value


def rules_fingerprint(rules: Rules) -> str:
    """A hash of everything the rules hold (equal rules, equal fingerprint, in any process)."""
    text = json.dumps(_plain(rules), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclasses.dataclass(frozen=True)
class MonthDifference:
    """One granted month: what was paid and what the rules in force now give."""

    month: str
    paid: Decimal
    due: Decimal

    @property
    def difference(self) -> Decimal:
        return self.due - self.paid

    def __str__(self) -> str:
        d = self.difference
        sign = "+" if d > 0 else "−"
        return f"{self.month}: paid {self.paid:.2f}, due {self.due:.2f} ({sign}{abs(d):.2f})"


def _paid(session: Session, decision_ids: Sequence[int]) -> dict[int, dict[str, Decimal]]:
    out: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    p = BenefitPayment
    for i in range(0, len(decision_ids), 1000):
        part = list(decision_ids[i : i + 1000])
        stmt = select(p.decision_id, p.month, p.amount).where(p.decision_id.in_(part))
        for did, month, amount in session.execute(stmt).tuples():
            out[did][month] += Decimal(amount)
    return out


def differences(
    session: Session, decision: Decision, atvk: str, rules: Rules, paid: dict[str, Decimal]
) -> list[MonthDifference]:
    """The paid months of ``decision`` whose amount the rules now give differently.

    Raises:
        InputError: the case cannot be rebuilt (a member's birth date unknown, no row in force).
    """
    day = decision.request_date
    known_at: datetime = decision.updated_at
    facts = household_facts(session, [decision.household_id], day, known_at=known_at)
    declaration = latest_declarations(session, [decision.household_id], day)
    # the worker's property override (property.md §8) stands for the granted months too
    override = latest_overrides(session, [decision.household_id]).get(decision.household_id)
    case = build_case(
        facts[decision.household_id], day, declaration.get(decision.household_id), atvk, override
    )
    result = assess(case, rules)
    benefit = result.gmi_benefit if decision.kind == "BENEFIT_GMI" else result.housing_benefit
    due = {str(m.month): m.amount for m in benefit.schedule} if benefit is not None else {}
    out = []
    for month in sorted(paid):
        now_due = due.get(month, Decimal("0.00"))
        if now_due != paid[month]:
            out.append(MonthDifference(month, paid[month], now_due))
    return out


def recalculate(
    rt: Runtime, night: NightContext, rules: Rules, force: bool = False
) -> dict[str, int]:
    """Recompute the granted months when the rules changed since the last run (module
    docstring) and open the flags; one commit, the fingerprint stored with the flags.

    Returns:
        Counts: decisions recomputed, unassessable ones, flags opened.
    """
    mid, atvk, day = night.municipality_id, night.atvk, night.day
    fingerprint = rules_fingerprint(rules)
    with rt.factory() as s:
        stored = get_cursor(s, mid, CURSOR)
    if stored is None and not force:  # the first run: the rules the decisions were taken under
        with transaction(rt.factory) as s:
            set_cursor(s, mid, CURSOR, fingerprint)
        return {"decisions": 0, "unassessable": 0, "flags": 0}
    with rt.factory() as s:
        if not force and stored == fingerprint:
            return {"decisions": 0, "unassessable": 0, "flags": 0}
        granted = [d for kind in BENEFITS for d in _granted(s, mid, kind, day)]
        paid = _paid(s, [d.id for d in granted])
        flags: list[NewFlag] = []
        unassessable = recomputed = 0
        for d in granted:
            if not paid.get(d.id):
                continue
            recomputed += 1
            try:
                found = differences(s, d, atvk, rules, paid[d.id])
            except InputError:
                unassessable += 1
                continue
            if found:
                flags.append(
                    NewFlag(
                        d.household_id,
                        d.id,
                        "RECALCULATION_DUE",
                        f"{_NAMES[d.kind]} {d.record_id} under the rules in force now: "
                        + "; ".join(str(x) for x in found),
                    )
                )
    with transaction(rt.factory) as s:
        opened = open_flags(s, flags, rt.key, now())
        set_cursor(s, mid, CURSOR, fingerprint)
    return {"decisions": recomputed, "unassessable": unassessable, "flags": len(opened)}


def _granted(session: Session, mid: int, kind: str, day: date) -> list[Decision]:
    """Granted decisions of ``kind`` that began by ``day``, less those revoked from their
    first day (a later revocation leaves the months before it granted)."""
    stmt = select(Decision).where(
        Decision.municipality_id == mid,
        Decision.kind == kind,
        Decision.outcome == "GRANTED",
        Decision.valid_from <= day,
    )
    candidates = list(session.scalars(stmt.order_by(Decision.id)))
    revocation = select(Decision.revokes_decision_id, Decision.valid_from).where(
        Decision.municipality_id == mid,
        Decision.outcome == "REVOKED",
        Decision.revokes_decision_id.is_not(None),
    )
    revoked_from: dict[int | None, date | None] = dict(session.execute(revocation).tuples().all())

    def granted(d: Decision) -> bool:
        start, ended = d.valid_from, revoked_from.get(d.id)
        return start is None or ended is None or ended > start

    return [d for d in candidates if granted(d)]
