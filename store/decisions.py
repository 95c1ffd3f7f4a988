"""Recording applications, means declarations, decisions and payments (spolis.md §1-§2).

Every function takes a batch and issues a bounded number of bulk statements, on SQLite and
PostgreSQL alike. Input is checked before the database sees it: a bad item raises
:class:`~tilts.kernel.errors.InputError` naming the item's index and field, never its values.

Decisions are identified by the municipality's stable ``record_id``. Recording a decision
whose content differs from the stored one is a correction: the row is rewritten and its
``version`` bumped (SPOLIS replaces a record by a higher version); recording the same content
again changes nothing. Money is :class:`~decimal.Decimal` with at most two decimals, stored as
NUMERIC(12, 2); JSON columns hold amounts as decimal strings. What the re-assessment reads back
(valid statuses, the latest declaration) and the review flags it writes are in
:mod:`store.reassess`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from tilts.kernel.config import MunicipalitySettings
from tilts.kernel.errors import InputError
from tilts.store.bulk import upsert
from tilts.store.models import (
    APPLICATION_KINDS,
    BENEFIT_KINDS,
    DECISION_KINDS,
    OUTCOMES,
    PAYMENT_FORMS,
    REFUSAL_REASONS,
    STATUS_KINDS,
    Application,
    BenefitPayment,
    Decision,
    MeansDeclaration,
)
from tilts.store.outbox import enqueue_for_decisions

#: Benefits whose granted decision must carry a monthly amount (spolis.md §1).
AMOUNT_KINDS = ("BENEFIT_GMI", "BENEFIT_HOUSING")
_CENT = Decimal("0.01")
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


def money(value: Decimal | str, where: str) -> Decimal:
    """A non-negative amount with at most two decimals, quantized to cents.

    Raises:
        InputError: naming ``where``; the value itself is not repeated.
    """
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InputError(f"{where}: not an amount") from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(_CENT):
        raise InputError(f"{where}: must be a non-negative amount with at most two decimals")
    return amount.quantize(_CENT)


def _one_of(value: str | None, allowed: Iterable[str], where: str) -> None:
    allowed = tuple(allowed)
    if value not in allowed:
        raise InputError(f"{where}: expected one of {', '.join(allowed)}")


# --- applications and means declarations ------------------------------------------------------


@dataclass(frozen=True)
class DeclaredLine:
    """Income a member declared (``person_id`` is the store's internal id)."""

    person_id: int
    income_type: str
    monthly_amount: Decimal


@dataclass(frozen=True)
class Declaration:
    """A means declaration as the assessment reads it."""

    savings: Decimal
    property_conditions_met: bool
    cooperation_agreement: bool
    declared_on: date
    housing_expenses: Mapping[str, Decimal] = field(default_factory=dict)
    declared_income: tuple[DeclaredLine, ...] = ()


@dataclass(frozen=True)
class NewApplication:
    """An application to record; ``reference`` is the municipality's stable id of it."""

    reference: str
    household_id: int
    kind: str
    submitted_on: date
    case_id: int | None = None
    declaration: Declaration | None = None


def _declaration_row(application_id: int, d: Declaration, where: str) -> dict[str, Any]:
    return {
        "application_id": application_id,
        "savings": money(d.savings, f"{where}.savings"),
        "housing_expenses": {
            kind: str(money(v, f"{where}.housingExpenses.{kind}"))
            for kind, v in sorted(d.housing_expenses.items())
        },
        "declared_income": [
            {
                "personId": line.person_id,
                "type": line.income_type,
                "monthlyAmount": str(money(line.monthly_amount, f"{where}.declaredIncome[{k}]")),
            }
            for k, line in enumerate(d.declared_income)
        ],
        "property_conditions_met": d.property_conditions_met,
        "cooperation_agreement": d.cooperation_agreement,
        "declared_on": d.declared_on,
    }


def record_applications(
    session: Session, municipality_id: int, applications: Sequence[NewApplication]
) -> dict[str, int]:
    """Record applications with their declarations (idempotent per reference).

    Recording a reference again updates the application and replaces its declaration.

    Returns:
        The application id of every reference.

    Raises:
        InputError: naming ``applications[i].<field>``.
    """
    for i, a in enumerate(applications):
        _one_of(a.kind, APPLICATION_KINDS, f"applications[{i}].kind")
        if not a.reference:
            raise InputError(f"applications[{i}].reference: must not be empty")
    with_declaration = [a for a in applications if a.declaration is not None]
    declarations = [
        _declaration_row(0, a.declaration, f"applications[{i}].declaration")
        for i, a in enumerate(applications)
        if a.declaration is not None
    ]
    upsert(
        session,
        Application.__table__,
        [
            {
                "municipality_id": municipality_id,
                "reference": a.reference,
                "household_id": a.household_id,
                "case_id": a.case_id,
                "kind": a.kind,
                "submitted_on": a.submitted_on,
            }
            for a in applications
        ],
        ["municipality_id", "reference"],
        ["household_id", "case_id", "kind", "submitted_on"],
    )
    ids = _ids(
        session, Application, municipality_id, [a.reference for a in applications], "reference"
    )
    for row, a in zip(declarations, with_declaration, strict=True):
        row["application_id"] = ids[a.reference]
    cols = [c for c in declarations[0] if c != "application_id"] if declarations else []
    upsert(session, MeansDeclaration.__table__, declarations, ["application_id"], cols)
    return ids


def _ids(
    session: Session, model: Any, municipality_id: int, keys: Sequence[str], col: str
) -> dict[str, int]:
    """Ids by a unique text column within a municipality (1,000 keys per statement)."""
    out: dict[str, int] = {}
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), 1000):
        part = unique[start : start + 1000]
        column = getattr(model, col)
        out.update(
            session.execute(
                select(column, model.id).where(
                    model.municipality_id == municipality_id, column.in_(part)
                )
            )
            .tuples()
            .all()
        )
    return out


# --- decisions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewDecision:
    """A decision to record. A revocation names the decision it ends in ``revokes_record_id``
    and takes effect on ``valid_from``."""

    record_id: str
    household_id: int
    kind: str
    outcome: str
    request_date: date
    decision_date: date
    application_id: int | None = None
    refusal_reason: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    monthly_amount: Decimal | None = None
    revokes_record_id: str | None = None


@dataclass
class DecisionChanges:
    """What one :func:`record_decisions` call did; ``ids`` maps record id → (id, version)."""

    inserted: int = 0
    corrected: int = 0
    unchanged: int = 0
    ids: dict[str, tuple[int, int]] = field(default_factory=dict)


def _check_decision(i: int, d: NewDecision) -> Decimal | None:
    """spolis.md §1 rules that the store can check on its own; returns the amount in cents."""
    at = f"decisions[{i}]"
    if not d.record_id:
        raise InputError(f"{at}.recordId: must not be empty")
    _one_of(d.kind, DECISION_KINDS, f"{at}.kind")
    _one_of(d.outcome, OUTCOMES, f"{at}.outcome")
    if d.request_date > d.decision_date:
        raise InputError(f"{at}.requestDate: is after the decision date")
    if d.outcome == "REFUSED":
        _one_of(d.refusal_reason, REFUSAL_REASONS, f"{at}.refusalReason")
    elif d.refusal_reason is not None:
        raise InputError(f"{at}.refusalReason: only a refusal has one")
    if d.outcome == "GRANTED" and (d.valid_from is None or d.valid_to is None):
        raise InputError(f"{at}.validFrom: a granted decision needs validFrom and validTo")
    if d.valid_from and d.valid_to and d.valid_to < d.valid_from:
        raise InputError(f"{at}.validTo: is before validFrom")
    if (d.outcome == "REVOKED") != (d.revokes_record_id is not None):
        raise InputError(f"{at}.revokesRecordId: a revocation, and only one, names its decision")
    if d.outcome == "REVOKED" and d.valid_from is None:
        raise InputError(f"{at}.validFrom: a revocation needs the date it takes effect")
    if d.monthly_amount is None:
        if d.outcome == "GRANTED" and d.kind in AMOUNT_KINDS:
            raise InputError(f"{at}.monthlyAmount: required for a granted {d.kind}")
        return None
    if d.kind in STATUS_KINDS:
        raise InputError(f"{at}.monthlyAmount: not allowed for a status")
    return money(d.monthly_amount, f"{at}.monthlyAmount")


def record_decisions(
    session: Session,
    municipality_id: int,
    decisions: Sequence[NewDecision],
    now: datetime,
    settings: MunicipalitySettings | None = None,
) -> DecisionChanges:
    """Record decisions; a changed record is a correction (``version`` + 1).

    Revocations may name decisions recorded in the same batch. The status notifications they
    cause are written to the outbox in the same transaction (:mod:`store.outbox`), with the
    recipient rules of ``settings`` (``None``: the default rules, every recipient).

    Raises:
        InputError: naming ``decisions[i].<field>``; checked before anything is written.
    """
    amounts = [_check_decision(i, d) for i, d in enumerate(decisions)]
    named = [d.revokes_record_id for d in decisions if d.revokes_record_id is not None]
    held = set(_ids(session, Decision, municipality_id, named, "record_id"))
    held |= {d.record_id for d in decisions}
    if any(r not in held for r in named):
        raise InputError("decisions: revokesRecordId names a decision the store does not hold")
    out = DecisionChanges()
    items = list(zip(decisions, amounts, strict=True))
    # decisions first, then the revocations that may point at them
    for group in (
        [x for x in items if x[0].revokes_record_id is None],
        [x for x in items if x[0].revokes_record_id is not None],
    ):
        if group:
            _apply_decisions(session, municipality_id, group, now, out)
    # --- outbox (outbound.md): notifications commit or roll back with their decisions ---
    enqueue_for_decisions(session, municipality_id, list(out.ids.values()), now, settings)
    return out


def _apply_decisions(
    session: Session,
    municipality_id: int,
    group: list[tuple[NewDecision, Decimal | None]],
    now: datetime,
    out: DecisionChanges,
) -> None:
    t = cast(Table, Decision.__table__)
    records = [d.record_id for d, _ in group]
    named = [d.revokes_record_id for d, _ in group if d.revokes_record_id is not None]
    revoked = _ids(session, Decision, municipality_id, named, "record_id")
    existing: dict[str, dict[str, Any]] = {}
    for start in range(0, len(records), 1000):
        stmt = select(t).where(
            t.c.municipality_id == municipality_id, t.c.record_id.in_(records[start : start + 1000])
        )
        existing.update({r["record_id"]: dict(r) for r in session.execute(stmt).mappings()})
    inserts: list[dict[str, Any]] = []
    corrections: list[dict[str, Any]] = []
    for d, amount in {d.record_id: (d, a) for d, a in group}.values():
        content = {
            "household_id": d.household_id,
            "application_id": d.application_id,
            "kind": d.kind,
            "outcome": d.outcome,
            "refusal_reason": d.refusal_reason,
            "request_date": d.request_date,
            "decision_date": d.decision_date,
            "valid_from": d.valid_from,
            "valid_to": d.valid_to,
            "monthly_amount": amount,
            "revokes_decision_id": revoked.get(d.revokes_record_id or ""),
        }
        old = existing.get(d.record_id)
        if old is None:
            inserts.append(
                {"municipality_id": municipality_id, "record_id": d.record_id, "version": 1}
                | content
                | {"created_at": now, "updated_at": now}
            )
        elif any(old[k] != v for k, v in content.items()):
            corrections.append(
                {"did": old["id"], "version": old["version"] + 1, "updated_at": now} | content
            )
            out.ids[d.record_id] = (old["id"], old["version"] + 1)
        else:
            out.unchanged += 1
            out.ids[d.record_id] = (old["id"], old["version"])
    if inserts:
        session.execute(insert(t), inserts)
        new = {r["record_id"] for r in inserts}
        for rid, did in _ids(session, Decision, municipality_id, list(new), "record_id").items():
            out.ids[rid] = (did, 1)
    if corrections:
        cols = [c for c in corrections[0] if c != "did"]
        session.execute(
            update(t).where(t.c.id == bindparam("did")).values({c: bindparam(c) for c in cols}),
            corrections,
            execution_options={"synchronize_session": False},
        )
    out.inserted += len(inserts)
    out.corrected += len(corrections)


def decisions_of(session: Session, household_ids: Sequence[int]) -> list[Decision]:
    """Every decision of the households, by household, decision date and id."""
    if not household_ids:
        return []
    stmt = (
        select(Decision)
        .where(Decision.household_id.in_(list(household_ids)))
        .order_by(Decision.household_id, Decision.decision_date, Decision.id)
    )
    return list(session.scalars(stmt))


# --- payments ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewPayment:
    """One month's payment of a granted benefit decision."""

    record_id: str
    decision_record_id: str
    month: str
    amount: Decimal
    form: str
    paid_on: date


def schedule_payments(
    decision_record_id: str,
    schedule: Sequence[tuple[str, Decimal]],
    form: str,
    paid_on: Callable[[str], date | None],
) -> list[NewPayment]:
    """The payments of a granted benefit that follow its schedule (assessment.md §5): one per
    month with that month's amount, record id ``<decision record id>-<YYYY-MM>``; a month
    ``paid_on`` gives no day for (not paid yet) is left out."""
    out = []
    for month, amount in schedule:
        day = paid_on(month)
        if day is not None:
            out.append(
                NewPayment(
                    f"{decision_record_id}-{month}", decision_record_id, month, amount, form, day
                )
            )
    return out


def record_payments(session: Session, municipality_id: int, payments: Sequence[NewPayment]) -> int:
    """Record payments (a record id recorded again is updated). Returns the number written.

    Raises:
        InputError: naming ``payments[i].<field>``; checked before anything is written.
    """
    decisions: dict[str, tuple[int, str, str]] = {}
    records = list({p.decision_record_id for p in payments})
    for start in range(0, len(records), 1000):
        rows = session.execute(
            select(Decision.record_id, Decision.id, Decision.kind, Decision.outcome).where(
                Decision.municipality_id == municipality_id,
                Decision.record_id.in_(records[start : start + 1000]),
            )
        ).tuples()
        decisions.update({rid: (did, kind, outcome) for rid, did, kind, outcome in rows})
    rows_out: list[dict[str, Any]] = []
    for i, p in enumerate(payments):
        at = f"payments[{i}]"
        if not p.record_id:
            raise InputError(f"{at}.recordId: must not be empty")
        found = decisions.get(p.decision_record_id)
        if found is None:
            raise InputError(f"{at}.decisionRecordId: the store holds no such decision")
        if found[1] not in BENEFIT_KINDS or found[2] != "GRANTED":
            raise InputError(f"{at}.decisionRecordId: payments belong to a granted benefit")
        _one_of(p.form, PAYMENT_FORMS, f"{at}.form")
        if not _MONTH.fullmatch(p.month):
            raise InputError(f"{at}.month: expected YYYY-MM")
        rows_out.append(
            {
                "municipality_id": municipality_id,
                "record_id": p.record_id,
                "decision_id": found[0],
                "month": p.month,
                "amount": money(p.amount, f"{at}.amount"),
                "form": p.form,
                "paid_on": p.paid_on,
            }
        )
    upsert(
        session,
        BenefitPayment.__table__,
        rows_out,
        ["municipality_id", "record_id"],
        ["decision_id", "month", "amount", "form", "paid_on"],
    )
    return len(rows_out)
