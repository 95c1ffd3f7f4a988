"""Applications, decisions, payments and review flags on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from tilts.kernel.errors import InputError
from tilts.store.caseload import seed_households
from tilts.store.db import make_engine, transaction
from tilts.store.decisions import (
    Declaration,
    DeclaredLine,
    NewApplication,
    NewDecision,
    NewPayment,
    decisions_of,
    record_applications,
    record_decisions,
    record_payments,
)
from tilts.store.models import Base, BenefitPayment, Household, HouseholdFlag
from tilts.store.ops import ensure_municipality
from tilts.store.persons import resolve_codes
from tilts.store.reassess import (
    NewFlag,
    flag_counts,
    latest_declarations,
    list_flags,
    open_flags,
    resolve_flags,
    valid_decisions,
    valid_statuses,
)

A, B = "01019010002", "32345678901"
T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored in UTC); PostgreSQL aware ones."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _household(factory) -> tuple[int, int, dict[str, int]]:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        mid = ensure_municipality(s, "0040000", "Ogres novads")
        seed_households(s, mid, [("HH-1", [A, B])], date(2025, 1, 1))
        hid = s.scalar(select(Household.id).where(Household.external_id == "HH-1"))
        assert hid is not None
        return mid, hid, resolve_codes(s, [A, B])


def _status(hid: int, app: int | None = None, **kw: object) -> NewDecision:
    base: dict[str, object] = {
        "record_id": "D-1", "household_id": hid, "kind": "STATUS_POOR", "outcome": "GRANTED",
        "request_date": date(2026, 10, 2), "decision_date": date(2026, 10, 9), "application_id": app,
        "valid_from": date(2026, 10, 1), "valid_to": date(2027, 3, 31),
    }  # fmt: skip
    base.update(kw)
    return NewDecision(**base)  # type: ignore[arg-type]


@pytest.mark.postgres
def test_migrations_match_the_models(store_url: str) -> None:
    engine = make_engine(store_url)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    engine.dispose()
    assert diff == []


@pytest.mark.postgres
def test_roundtrip_keeps_every_cent_and_corrections_bump_the_version(factory) -> None:
    mid, hid, ids = _household(factory)
    declaration = Declaration(
        savings=Decimal("271.99"),
        property_conditions_met=True,
        cooperation_agreement=True,
        declared_on=date(2026, 10, 2),
        housing_expenses={"RENT": Decimal("120.10"), "HEATING": Decimal("0.05")},
        declared_income=(DeclaredLine(ids[A], "ALIMONY", Decimal("50.01")),),
    )
    app = NewApplication("A-1", hid, "STATUS", date(2026, 10, 2), declaration=declaration)
    with transaction(factory) as s:
        apps = record_applications(s, mid, [app])
        # recording the same reference again is idempotent
        assert record_applications(s, mid, [app]) == apps
    with factory() as s:
        assert latest_declarations(s, [hid], date(2026, 10, 31)) == {hid: declaration}
        assert latest_declarations(s, [hid], date(2026, 10, 1)) == {}

    big = Decimal("9999999999.99")  # NUMERIC(12, 2) at its limit: no float on the way
    decisions = [
        _status(hid, apps["A-1"]),
        _status(hid, apps["A-1"], record_id="D-2", kind="BENEFIT_GMI", monthly_amount=big),
        _status(hid, apps["A-1"], record_id="D-3", kind="STATUS_LOW_INCOME", outcome="REFUSED",
                refusal_reason="INCOME_ABOVE_THRESHOLD", valid_from=None, valid_to=None),
    ]  # fmt: skip
    with transaction(factory) as s:
        first = record_decisions(s, mid, decisions, T0)
    assert (first.inserted, first.corrected, first.unchanged) == (3, 0, 0)
    with transaction(factory) as s:
        again = record_decisions(s, mid, decisions, T0)
    assert (again.inserted, again.corrected, again.unchanged) == (0, 0, 3)
    assert again.ids == first.ids
    with factory() as s:
        stored = {d.record_id: d for d in decisions_of(s, [hid])}
    assert stored["D-2"].monthly_amount == big and isinstance(stored["D-2"].monthly_amount, Decimal)
    assert {d.version for d in stored.values()} == {1}

    # a correction of the amount: version 2, the old content replaced, created_at kept
    fixed = _status(
        hid, apps["A-1"], record_id="D-2", kind="BENEFIT_GMI", monthly_amount=Decimal("233.01")
    )
    later = datetime(2026, 11, 2, tzinfo=UTC)
    with transaction(factory) as s:
        corr = record_decisions(s, mid, [fixed], later)
    assert (corr.corrected, corr.ids["D-2"][1]) == (1, 2)
    with factory() as s:
        d2 = next(d for d in decisions_of(s, [hid]) if d.record_id == "D-2")
    assert (d2.version, d2.monthly_amount) == (2, Decimal("233.01"))
    assert _utc(d2.created_at) == T0 and _utc(d2.updated_at) == later

    cents = [Decimal("0.10"), Decimal("0.20"), Decimal("233.01")]
    payments = [
        NewPayment(f"P-2026-{m:02d}", "D-2", f"2026-{m:02d}", amount, "CASH", date(2026, m, 15))
        for m, amount in zip((10, 11, 12), cents, strict=True)
    ]
    with transaction(factory) as s:
        assert record_payments(s, mid, payments) == 3
        assert record_payments(s, mid, payments[:1]) == 1  # again: updated, not duplicated
    with factory() as s:
        rows = s.scalars(select(BenefitPayment.amount).order_by(BenefitPayment.month)).all()
        total = s.scalar(select(func.sum(BenefitPayment.amount)))
    assert rows == cents and all(isinstance(r, Decimal) for r in rows)
    assert Decimal(total) == Decimal("233.31")


@pytest.mark.postgres
def test_valid_statuses_respect_validity_and_revocation(factory) -> None:
    mid, hid, _ = _household(factory)
    with transaction(factory) as s:
        record_decisions(s, mid, [_status(hid)], T0)
    with factory() as s:
        assert [d.record_id for d in valid_statuses(s, mid, date(2026, 10, 1))] == ["D-1"]
        assert valid_statuses(s, mid, date(2027, 4, 1)) == []
        assert valid_decisions(s, mid, date(2026, 12, 1), ("BENEFIT_GMI",)) == []
    revocation = _status(hid, record_id="D-1R", outcome="REVOKED", revokes_record_id="D-1",
                         decision_date=date(2026, 12, 10), valid_from=date(2027, 1, 1), valid_to=None)  # fmt: skip
    with transaction(factory) as s:
        record_decisions(s, mid, [revocation], T0)
    with factory() as s:
        assert [d.record_id for d in valid_statuses(s, mid, date(2026, 12, 31), [hid])] == ["D-1"]
        assert valid_statuses(s, mid, date(2027, 1, 1), [hid]) == []


def _refused(factory, mid: int, batch: list, field: str, record=record_decisions) -> None:  # type: ignore[no-untyped-def]
    pattern = field.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")
    with pytest.raises(InputError, match=pattern), transaction(factory) as s:
        record(s, mid, batch, T0) if record is record_decisions else record(s, mid, batch)


@pytest.mark.postgres
def test_bad_input_names_the_field_and_writes_nothing(factory) -> None:
    mid, hid, _ = _household(factory)
    gmi = _status(hid, record_id="D-2", kind="BENEFIT_GMI", monthly_amount=Decimal("1.00"))
    _refused(
        factory,
        mid,
        [_status(hid, outcome="REFUSED", valid_from=None, valid_to=None)],
        "decisions[0].refusalReason",
    )
    _refused(
        factory, mid, [_status(hid, monthly_amount=Decimal("1.00"))], "decisions[0].monthlyAmount"
    )
    _refused(
        factory,
        mid,
        [gmi, replace(gmi, record_id="D-3", monthly_amount=None)],
        "decisions[1].monthlyAmount",
    )
    _refused(
        factory, mid, [replace(gmi, monthly_amount=Decimal("1.005"))], "decisions[0].monthlyAmount"
    )
    _refused(factory, mid, [_status(hid, kind="STATUS_RICH")], "decisions[0].kind")
    _refused(
        factory, mid, [_status(hid, request_date=date(2026, 10, 10))], "decisions[0].requestDate"
    )
    _refused(
        factory,
        mid,
        [gmi, _status(hid, outcome="REVOKED", revokes_record_id="nope")],
        "revokesRecordId",
    )
    # a refused batch writes nothing, not even its good part
    with factory() as s:
        assert decisions_of(s, [hid]) == []
    with transaction(factory) as s:
        record_decisions(s, mid, [_status(hid), gmi], T0)
    pay = NewPayment("P", "D-2", "2026-10", Decimal("1.00"), "CASH", date(2026, 10, 9))
    _refused(
        factory,
        mid,
        [replace(pay, decision_record_id="D-1")],
        "payments[0].decisionRecordId",
        record_payments,
    )
    _refused(factory, mid, [replace(pay, month="2026-13")], "payments[0].month", record_payments)
    _refused(
        factory, mid, [replace(pay, amount=Decimal("-1.00"))], "payments[0].amount", record_payments
    )


@pytest.mark.postgres
def test_flags_open_once_per_household_decision_and_reason(factory) -> None:
    mid, hid, _ = _household(factory)
    with transaction(factory) as s:
        did = record_decisions(s, mid, [_status(hid)], T0).ids["D-1"][0]
    flags = [
        NewFlag(hid, did, "MEMBER_DIED", "1 of 2 members: death registered (PMLP)"),
        NewFlag(hid, did, "INCOME_ABOVE_THRESHOLD", f"member {A} earns more"),  # scrubbed
    ]
    with transaction(factory) as s:
        assert open_flags(s, flags, "run-1", T0) == flags
    with transaction(factory) as s:
        assert open_flags(s, flags + flags, "run-2", T0) == []  # re-run: nothing new
    with factory() as s:
        assert flag_counts(s) == {"INCOME_ABOVE_THRESHOLD": 1, "MEMBER_DIED": 1}
        shown = list_flags(s)
        stored = s.scalars(select(HouseholdFlag.detail)).all()
    assert {f.household for f in shown} == {"HH-1"} and {f.decision for f in shown} == {"D-1"}
    assert not any(A in d for d in stored) and all(A not in repr(f) for f in shown)
    with transaction(factory) as s:
        assert resolve_flags(s, [f.id for f in shown if f.reason == "MEMBER_DIED"], T0) == 1
    with transaction(factory) as s:
        # resolved: the same reason may be raised again later
        assert open_flags(s, flags[:1], "run-3", T0) == flags[:1]
    with pytest.raises(InputError, match=r"flags\[0\]\.reason"), transaction(factory) as s:
        open_flags(s, [NewFlag(hid, did, "BORED", "")], "run-3", T0)
    with factory() as s:
        assert flag_counts(s) == {"INCOME_ABOVE_THRESHOLD": 1, "MEMBER_DIED": 1}
        assert flag_counts(s, "RESOLVED") == {"MEMBER_DIED": 1}
