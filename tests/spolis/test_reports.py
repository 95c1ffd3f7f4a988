"""Monthly and annual reports from the crafted world: figures counted by hand, the local checks
catching what SPOLIS would reject before anything is sent, ``--dry-run``, versions after a
correction, receipts stored."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tilts.flows.spolis import monthly_report, submit_decisions, submit_payments
from tilts.flows.work.spolis_reports import check
from tilts.kernel.spolis_indicators import INDICATORS
from tilts.shell.cli import app
from tilts.store.db import transaction
from tilts.store.decisions import NewPayment, record_payments
from tilts.store.models import Quarantine
from tilts.store.models_spolis import SpolisReport
from tilts.store.ops import ensure_municipality

from .conftest import OGRE, TODAY, World

OCTOBER = {
    "POOR_HOUSEHOLDS_NEW": "2", "POOR_PERSONS_NEW": "3",  # HH-A (2), HH-E (1)
    "POOR_HOUSEHOLDS_END": "3", "POOR_PERSONS_END": "6",  # + HH-C (3), decided in September
    "LOW_INCOME_HOUSEHOLDS_NEW": "1", "LOW_INCOME_PERSONS_NEW": "1",  # HH-B; HH-D refused
    "LOW_INCOME_HOUSEHOLDS_END": "1", "LOW_INCOME_PERSONS_END": "1",
    "GMI_HOUSEHOLDS": "1", "GMI_PERSONS": "2", "GMI_EUR": "150.00",
    "HOUSING_HOUSEHOLDS": "1", "HOUSING_PERSONS": "1", "HOUSING_EUR": "80.00",
    "HEALTH_PERSONS": "3", "HEALTH_EUR": "45.50",
    "EDUCATION_PERSONS": "0", "EDUCATION_EUR": "0.00",
    "CRISIS_HOUSEHOLDS": "0", "CRISIS_EUR": "0.00",
    "OTHER_PERSONS": "0", "OTHER_EUR": "0.00",
}  # fmt: skip


def _values(indicators: list[dict[str, str]]) -> dict[str, str]:
    assert [i["code"] for i in indicators] == list(INDICATORS)
    assert all(i["unit"] == INDICATORS[i["code"]] for i in indicators)
    return {i["code"]: i["value"] for i in indicators}


def _rows(world: World, kind: str, period: str) -> list[SpolisReport]:
    with world.factory() as s:
        stmt = select(SpolisReport).where(SpolisReport.kind == kind, SpolisReport.period == period)
        return list(s.scalars(stmt.order_by(SpolisReport.id)))


def _at_spolis(world: World, kind: str) -> dict[str, list[dict[str, object]]]:
    found = world.mock.admin_get("spolis/reports", atvk=OGRE, kind=kind)["reports"]
    return {r["period"]: r["versions"] for r in found}


@pytest.mark.postgres
def test_monthly_report_dry_run_send_unchanged_correction(world: World) -> None:
    result = CliRunner().invoke(app, [
        "spolis", "monthly", "--month", "2026-10", "--dry-run", "--out", "dry",
        "--municipality", OGRE, "--config", str(world.config),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    written = json.loads(Path(f"dry/monthly-{OGRE}-2026-10.json").read_text())
    assert written["validation"] == {"valid": True, "issues": []}
    assert written["payload"]["version"] == 1
    assert _values(written["payload"]["indicators"]) == OCTOBER
    assert _rows(world, "MONTHLY", "2026-10") == [] and _at_spolis(world, "monthly") == {}

    world.run(submit_decisions, municipality=OGRE)
    world.run(submit_payments, municipality=OGRE)
    sent = world.run(monthly_report, month="2026-10", municipality=OGRE, as_of=TODAY)
    [report] = sent["reports"]
    assert (report["status"], report["version"], report["late"]) == ("ACCEPTED", 1, True)
    assert report["warnings"] == []  # the EUR and END figures agree with the records sent
    [row] = _rows(world, "MONTHLY", "2026-10")
    assert (row.status, row.version, row.receipt_id, row.late) == (
        "ACCEPTED", 1, report["receipt_id"], True,
    )  # fmt: skip
    [v1] = _at_spolis(world, "monthly")["2026-10"]
    assert _values(v1["body"]["indicators"]) == OCTOBER  # type: ignore[index]

    unchanged = world.run(monthly_report, month="2026-10", municipality=OGRE, as_of=TODAY)
    assert unchanged["reports"][0]["status"] == "UNCHANGED"
    assert len(_at_spolis(world, "monthly")["2026-10"]) == 1

    # the scheduled daily retry (5th to 15th) leaves an accepted month alone
    daily = world.run(
        monthly_report, month="2026-10", municipality=OGRE, as_of=TODAY, until_accepted=True
    )
    assert daily["reports"][0]["status"] == "ALREADY_ACCEPTED"

    with transaction(world.factory) as s:  # the health benefit paid was 55.50, not 45.50
        mid = ensure_municipality(s, OGRE, "Ogres novads")
        record_payments(
            s,
            mid,
            [
                NewPayment(
                    "C-M-2026-10", "C-M", "2026-10", Decimal("55.50"), "CASH", date(2026, 10, 15)
                )
            ],
        )
    again = world.run(monthly_report, month="2026-10", municipality=OGRE, as_of=TODAY)
    assert (again["reports"][0]["status"], again["reports"][0]["version"]) == ("ACCEPTED", 2)
    versions = _at_spolis(world, "monthly")["2026-10"]
    assert [v["receipt"]["version"] for v in versions] == [1, 2]  # type: ignore[index]
    assert _values(versions[1]["body"]["indicators"])["HEALTH_EUR"] == "55.50"  # type: ignore[index]
    assert [r.version for r in _rows(world, "MONTHLY", "2026-10")] == [1, 2]


@pytest.mark.postgres
def test_local_checks_stop_a_report_spolis_would_reject(world: World) -> None:
    cli = CliRunner().invoke(app, [
        "spolis", "monthly", "--month", "2099-01", "--municipality", OGRE, "--config", str(world.config),
    ])  # fmt: skip
    assert cli.exit_code == 1, cli.output
    assert "INVALID" in cli.output and "month_not_in_future" in cli.output
    assert "2099-01" not in _at_spolis(world, "monthly")  # never sent
    [row] = _rows(world, "MONTHLY", "2099-01")
    assert (row.status, row.version) == ("INVALID", None) and row.validation
    with world.factory() as s:
        kinds = set(s.scalars(select(Quarantine.record_kind).where(Quarantine.service == "spolis")))
    assert kinds == {"monthly_report"}

    figures = [
        {"code": c, "unit": u, "value": "0.00" if u == "EUR" else "0"}
        for c, u in INDICATORS.items()
    ]
    assert check("MONTHLY", "2026-10", figures, date(2026, 11, 26)) == []
    broken = [dict(f) for f in figures if f["code"] != "OTHER_EUR"]
    broken[0]["value"] = "2"  # POOR_HOUSEHOLDS_NEW 2, POOR_PERSONS_NEW 0
    broken[1]["value"] = "1.5"
    broken[10]["value"] = "-3.125"  # GMI_EUR
    broken[12]["unit"] = "EUR"  # HOUSING_PERSONS
    issues = dict(i.split(": ", 1) for i in check("MONTHLY", "2026-10", broken, date(2026, 11, 26)))
    assert "persons_not_fewer_than_households" in issues["POOR_PERSONS_NEW"]
    assert "whole_number_of_persons_or_households" in issues["POOR_PERSONS_NEW"]
    assert "value: not_negative" in issues["GMI_EUR"]
    assert "eur_with_two_decimals" in issues["GMI_EUR"]
    assert "unit_of_the_indicator" in issues["HOUSING_PERSONS"]
    assert all("every_indicator_present" in reason for reason in issues.values())  # OTHER_EUR
    assert (
        CliRunner()
        .invoke(app, ["spolis", "monthly", "--month", "2026-1", "--config", str(world.config)])
        .exit_code
        == 2
    )


@pytest.mark.postgres
def test_a_report_sent_but_never_answered_is_settled_by_the_next_run(world: World) -> None:
    world.mock.add_fault(
        service="spolis", operation="putMonthlyReport", kind="wrong_message_id", count=1
    )
    lost = world.run(monthly_report, month="2026-10", municipality=OGRE, as_of=TODAY)
    assert lost["reports"] == [] and "ContractError" in lost["failures"][0]
    [row] = _rows(world, "MONTHLY", "2026-10")
    assert (row.status, row.version) == ("PREPARED", 1)
    settled = world.run(monthly_report, month="2026-10", municipality=OGRE, as_of=TODAY)
    assert (settled["reports"][0]["status"], settled["reports"][0]["version"]) == ("ACCEPTED", 1)
    [row] = _rows(world, "MONTHLY", "2026-10")
    [at_spolis] = _at_spolis(world, "monthly")["2026-10"]  # nothing sent twice
    assert row.status == "ACCEPTED" and row.receipt_id == at_spolis["receipt"]["receiptId"]  # type: ignore[index]
