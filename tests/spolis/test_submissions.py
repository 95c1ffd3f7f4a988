"""Decision and payment submissions against the real SPOLIS mock, on SQLite and PostgreSQL:
receipts, a per-record rejection quarantined with the ministry's code, a correction as
version 2, a crash between send and store that duplicates nothing, record ids without codes,
one run at a time per municipality, ``--dry-run``."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tilts.flows.spolis import submit_decisions, submit_payments
from tilts.shell.cli_spolis import exit_code
from tilts.store.db import transaction
from tilts.store.decisions import (
    NewDecision,
    NewPayment,
    record_decisions,
    record_payments,
    schedule_payments,
)
from tilts.store.models import Quarantine
from tilts.store.models_spolis import SpolisBatch, SpolisSubmission
from tilts.store.ops import ensure_municipality, now
from tilts.store.spolis import claim, release

from .conftest import OGRE, World, decisions_of


def _ledger(world: World) -> dict[str, SpolisSubmission]:
    """The latest submission of each record id."""
    with world.factory() as s:
        rows = s.scalars(select(SpolisSubmission).order_by(SpolisSubmission.version))
        return {r.record_id: r for r in rows}


def _at_spolis(world: World, what: str) -> dict[str, dict[str, Any]]:
    records = world.mock.admin_get(f"spolis/{what}", atvk=OGRE)["records"]
    return {r["recordId"]: r for r in records}


def _quarantined(world: World) -> list[Quarantine]:
    with world.factory() as s:
        return list(s.scalars(select(Quarantine).where(Quarantine.service == "spolis")))


@pytest.mark.postgres
def test_accepted_rejected_quarantined_then_corrected(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    figures = world.run(submit_decisions, municipality=OGRE)
    # 15 person records: HH-A 2+2, HH-B 1+1, HH-C 3+3, HH-D 1, HH-E 1+1
    assert (figures["records_changed"], figures["submissions_accepted"]) == (15, 14)
    assert (figures["submissions_rejected"], figures["quarantined"]) == (1, 1)
    ledger = _ledger(world)
    e1 = world.persons["HH-E"][0]
    bad = ledger.pop(f"E-G:{e1}")
    assert bad.state == "REJECTED" and bad.receipt_id is None
    assert [e["code"] for e in bad.errors or []] == ["AMOUNT_ABOVE_RULES"]
    assert all(r.state == "ACCEPTED" and r.receipt_id and r.version == 1 for r in ledger.values())
    spolis = _at_spolis(world, "decisions")
    assert set(spolis) == set(ledger)  # the rejection held nothing else back
    assert {rid: r["receiptId"] for rid, r in spolis.items()} == {
        rid: r.receipt_id for rid, r in ledger.items()
    }
    # a record id is "<decision record id>:<internal person id>", never a personal code
    assert all(re.fullmatch(r"[A-Z]-[A-Z]:\d{1,6}", rid) for rid in spolis)
    [q] = _quarantined(world)
    assert (q.record_kind, q.record_ref, q.status) == ("decision", f"E-G:{e1}", "OPEN")
    assert q.reason == "monthlyAmount: AMOUNT_ABOVE_RULES"
    assert q.record["personCode"].endswith("****")

    again = world.run(submit_decisions, municipality=OGRE)
    assert (again["records_changed"], again["quarantined"], again["submissions_rejected"]) == (
        0,
        0,
        0,
    )
    assert len(_quarantined(world)) == 1

    paid = world.run(submit_payments, municipality=OGRE)
    assert (paid["records_changed"], paid["submissions_accepted"]) == (3, 3)
    a1 = world.persons["HH-A"][0]
    assert _at_spolis(world, "payments")["A-G-2026-10"]["record"]["decisionRecordId"] == f"A-G:{a1}"

    # corrections in the store: GMI of HH-A 150 → 160 and HH-E's amount brought within the rules
    corrected = {d.record_id: d for d in decisions_of(world.households)}
    corrected["A-G"] = _with(corrected["A-G"], Decimal("160.00"))
    corrected["E-G"] = _with(corrected["E-G"], Decimal("180.00"))
    with transaction(world.factory) as s:
        mid = _mid(world)
        changes = record_decisions(s, mid, list(corrected.values()), now())
        assert changes.corrected == 2
        record_payments(
            s,
            mid,
            [
                NewPayment(
                    "A-G-2026-10", "A-G", "2026-10", Decimal("160.00"), "CASH", date(2026, 10, 15)
                )
            ],
        )
    fixed = world.run(submit_decisions, municipality=OGRE)
    assert (
        fixed["records_changed"],
        fixed["submissions_accepted"],
        fixed["submissions_rejected"],
    ) == (3, 3, 0)
    spolis = _at_spolis(world, "decisions")
    for pid in world.persons["HH-A"]:
        assert spolis[f"A-G:{pid}"]["versions"] == [1, 2]
        assert spolis[f"A-G:{pid}"]["record"]["monthlyAmount"] == "160.00"
    assert spolis[f"E-G:{e1}"]["version"] == 2  # the store's version: the decision's second
    assert [q.status for q in _quarantined(world)] == ["RETRIED"]
    payments = world.run(submit_payments, municipality=OGRE)
    assert payments["records_changed"] == 1
    assert _at_spolis(world, "payments")["A-G-2026-10"]["versions"] == [1, 2]

    codes = {r["record"]["personCode"] for r in spolis.values()}
    text = "\n".join(r.getMessage() for r in caplog.records) + repr([figures, again, fixed])
    assert not any(c in text for c in codes)


def _with(d: NewDecision, amount: Decimal) -> NewDecision:
    return replace(d, monthly_amount=amount)


def _mid(world: World) -> int:
    with transaction(world.factory) as s:
        return ensure_municipality(s, OGRE, "Ogres novads")


@pytest.mark.postgres
def test_crash_between_send_and_store_duplicates_nothing(world: World) -> None:
    # SPOLIS processes the batch, but its answer never reaches the store (it arrives with
    # another message id, as a proxy mixing up answers would): the outcome is unknown here
    world.mock.add_fault(
        service="spolis", operation="submitDecisions", kind="wrong_message_id", count=1
    )
    first = world.run(submit_decisions, municipality=OGRE)
    assert first["failures"] and first["submissions_accepted"] == 0
    with world.factory() as s:
        [batch] = s.scalars(select(SpolisBatch))
        assert batch.state == "PREPARED"
        key = batch.idempotency_key
    assert {r.state for r in _ledger(world).values()} == {"SENT"}
    assert len(_at_spolis(world, "decisions")) == 14  # processed at SPOLIS

    # the next run finds SPOLIS unreachable: the batch stays as it is, exit code 3
    world.mock.add_fault(
        service="spolis", operation="submitDecisions", kind="http_status", status=503, count=5
    )
    down = world.run(submit_decisions, municipality=OGRE)
    assert exit_code(down) == 3 and "UnreachableError" in down["failures"][0]
    world.mock.clear_faults()

    second = world.run(submit_decisions, municipality=OGRE)
    assert not second["failures"]
    assert (second["submissions_accepted"], second["submissions_rejected"]) == (14, 1)
    with world.factory() as s:
        [batch] = s.scalars(select(SpolisBatch))  # no second batch: the same one, resent
        assert (batch.state, batch.idempotency_key) == ("ANSWERED", key)
    spolis = _at_spolis(world, "decisions")
    assert all(r["versions"] == [1] for r in spolis.values())
    assert len(world.mock.admin_get("spolis/batches", atvk=OGRE)["batches"]) == 1  # replayed
    calls = [e for e in world.mock.journal(service="spolis") if e["operation"] == "submitDecisions"]
    assert [c["status"] for c in calls] == [200] + [503] * 5 + [200]
    assert {rid: r.receipt_id for rid, r in _ledger(world).items() if r.state == "ACCEPTED"} == {
        rid: r["receiptId"] for rid, r in spolis.items()
    }
    assert world.run(submit_decisions, municipality=OGRE)["records_changed"] == 0


@pytest.mark.postgres
def test_one_run_at_a_time_payments_wait_dry_run_writes_masked_file(world: World) -> None:
    with transaction(world.factory) as s:  # another worker is sending Ogre's decisions
        assert claim(s, _mid(world), "DECISION", "other-run", now() + timedelta(minutes=5), now())
    busy = world.run(submit_decisions, municipality=OGRE)
    assert busy["records_changed"] == 0 and "another run" in busy["will_retry"][0]
    assert _at_spolis(world, "decisions") == {}
    with transaction(world.factory) as s:
        release(s, _mid(world), "DECISION", "other-run")

    waiting = world.run(submit_payments, municipality=OGRE)
    assert waiting["records_changed"] == 0 and "wait for their decision" in waiting["will_retry"][0]
    dry = world.run(submit_decisions, municipality=OGRE, dry_run=True, out_dir="out")
    assert dry["files"] == [f"out/decisions-{OGRE}.json"] and dry["records_changed"] == 15
    assert _at_spolis(world, "decisions") == {}
    body = json.loads(Path(dry["files"][0]).read_text())
    records = body["batches"][0]["records"]
    assert len(records) == 15 and all(r["personCode"].endswith("****") for r in records)
    assert {r["version"] for r in records} == {1}


def _march_2026_housing_benefit() -> tuple[Any, list[tuple[str, Decimal]]]:
    """The ministry's 2026 example through the calculator: a single pensioner, pension 500.00,
    rent 300.00, applying 2026-03-10 (assessment.md §5)."""
    from tilts.assessment import assess, case_from_data

    pension = [{"month": m, "benefitType": "OLD_AGE_PENSION", "paidAmount": "500.00"}
               for m in ("2025-12", "2026-01", "2026-02")]  # fmt: skip
    case = case_from_data({
        "municipality": OGRE, "applicationDate": "2026-03-10", "savings": "0.00",
        "propertyConditionsMet": True, "cooperationAgreement": False,
        "housingExpenses": {"RENT": "300.00"},
        "members": [{"id": "b1", "birthDate": "1950-07-08", "vsaa": pension}],
    })  # fmt: skip
    housing = assess(case).housing_benefit
    assert housing is not None
    return housing, [(str(m.month), m.amount) for m in housing.schedule]


@pytest.mark.postgres
def test_a_benefit_month_by_month_first_amount_on_the_decision_each_month_on_its_payment(
    world: World,
) -> None:
    """Issue 16: a housing benefit granted in March 2026 runs at K 2.5 in March-April
    (187 × 2.5 + 300.00 − 500.00 = 267.50) and 2.1 from May (187 × 2.1 + 300.00 − 500.00 =
    192.70). The store's decision keeps the first month's amount and its payments follow the
    schedule; SPOLIS receives the decision with 267.50 and each month's payment with its own
    amount."""
    housing, schedule = _march_2026_housing_benefit()
    assert schedule == [("2026-03", Decimal("267.50")), ("2026-04", Decimal("267.50"))] + [
        (f"2026-0{m}", Decimal("192.70")) for m in range(5, 9)
    ]
    with transaction(world.factory) as s:
        mid = _mid(world)
        decision = NewDecision(
            "B-K", world.households["HH-B"], "BENEFIT_HOUSING", "GRANTED", date(2026, 3, 10),
            date(2026, 3, 10), valid_from=housing.valid_from, valid_to=housing.valid_to,
            monthly_amount=housing.monthly_amount,
        )  # fmt: skip
        record_decisions(s, mid, [decision], now())
        record_payments(s, mid, schedule_payments(
            "B-K", schedule, "CASH", lambda month: date.fromisoformat(f"{month}-20")))  # fmt: skip
    decided = world.run(submit_decisions, municipality=OGRE)
    assert decided["submissions_accepted"] == 15, decided
    b1 = world.persons["HH-B"][0]
    record = _at_spolis(world, "decisions")[f"B-K:{b1}"]["record"]
    assert (record["monthlyAmount"], record["validFrom"], record["validTo"]) == (
        "267.50", "2026-03-01", "2026-08-31")  # fmt: skip
    paid = world.run(submit_payments, municipality=OGRE)
    assert (paid["records_changed"], paid["submissions_accepted"]) == (9, 9), paid
    at_spolis = {
        r["record"]["month"]: r["record"]["amount"]
        for rid, r in _at_spolis(world, "payments").items()
        if rid.startswith("B-K-")
    }
    assert at_spolis == {"2026-03": "267.50", "2026-04": "267.50", "2026-05": "192.70",
                         "2026-06": "192.70", "2026-07": "192.70", "2026-08": "192.70"}  # fmt: skip
