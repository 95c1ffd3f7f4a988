"""The annual report (spolis.md §4) from the crafted world, counted by hand: the status rows,
the "of which" counts, women and men, Ukrainian civilians, the averages; sent and accepted by
the SPOLIS mock; the checks of schemas/spolis.py; ``--dry-run --format table``.

Added to the crafted world of ``conftest.py`` here: a November GMI payment of 150.00 for HH-A,
B1 (HH-B) registered as a man, HH-C's case carrying the Ukrainian-civilian marker.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from tilts.flows.spolis import annual_report
from tilts.flows.work.spolis_reports import check
from tilts.shell.cli import app
from tilts.store.db import transaction
from tilts.store.decisions import NewPayment, record_payments
from tilts.store.facts import Fact, replace_facts
from tilts.store.models import Case
from tilts.store.ops import ensure_municipality

from .conftest import AFTER, OGRE, TODAY, World

ZERO = {"children": 0, "childrenWithDisability": 0, "workingAgeEmployed": 0,
        "workingAgeNotEmployed": 0, "parentalLeave": 0, "adultsWithDisability": 0,
        "publicWorks": 0, "pensionAge": 0, "women": 0, "men": 0, "ukrainianCivilians": 0,
        "eurCash": "0.00", "eurInKind": "0.00", "averageEurPerPersonMonth": "0.00",
        "averageMonthsPerPerson": "0.00"}  # fmt: skip


def row(kind: str, hh: int, pp: int, **over: object) -> dict[str, object]:
    return {"kind": kind, "households": hh, "persons": pp, **ZERO, **over}


# GMI: A1 (employed) and A2 (a child with a disability), October and November: 4 person-months,
# 300.00 / 4 = 75.00, 4 / 2 = 2.00 months. HOUSING: B1 (pension age, a man), 80.00 in kind.
# HEALTH: C1 (parental benefit in October), C2 (public works, no income: not employed), C3
# (a child), 45.50 / 3 = 15.1666… → 15.17. ALL: 6 persons, 8 person-months, 425.50 / 8 =
# 53.1875 → 53.19, 8 / 6 = 1.333… → 1.33. STATUS_POOR: HH-A, HH-C (decided 2026-09-20: C1's
# parental benefit of September, C2 in public works) and HH-E (E1 disability group II).
# STATUS_LOW_INCOME: HH-B. Every adult but B1 is registered as a woman.
EXPECTED = [
    row("BENEFIT_GMI", 1, 2, children=1, childrenWithDisability=1, workingAgeEmployed=1,
        women=1, eurCash="300.00", averageEurPerPersonMonth="75.00", averageMonthsPerPerson="2.00"),
    row("BENEFIT_HOUSING", 1, 1, pensionAge=1, men=1, eurInKind="80.00",
        averageEurPerPersonMonth="80.00", averageMonthsPerPerson="1.00"),
    row("BENEFIT_HEALTH", 1, 3, children=1, parentalLeave=1, workingAgeNotEmployed=1,
        publicWorks=1, women=2, ukrainianCivilians=3, eurCash="45.50",
        averageEurPerPersonMonth="15.17", averageMonthsPerPerson="1.00"),
    row("BENEFIT_EDUCATION", 0, 0),
    row("BENEFIT_CRISIS", 0, 0),
    row("BENEFIT_OTHER", 0, 0),
    row("ALL", 3, 6, children=2, childrenWithDisability=1, workingAgeEmployed=1,
        workingAgeNotEmployed=1, parentalLeave=1, publicWorks=1, pensionAge=1, women=3, men=1,
        ukrainianCivilians=3, eurCash="345.50", eurInKind="80.00",
        averageEurPerPersonMonth="53.19", averageMonthsPerPerson="1.33"),
    row("STATUS_POOR", 3, 6, children=2, childrenWithDisability=1, workingAgeEmployed=1,
        workingAgeNotEmployed=1, parentalLeave=1, publicWorks=1, adultsWithDisability=1,
        women=4, ukrainianCivilians=3),
    row("STATUS_LOW_INCOME", 1, 1, pensionAge=1, men=1),
]  # fmt: skip


def _amend(world: World) -> None:
    b1 = world.persons["HH-B"][0]
    basic = {"givenName": "Test", "surname": "Person", "birthDate": "1950-07-08", "sex": "M",
             "citizenship": "LVA", "registerStatus": "ACTIVE"}  # fmt: skip
    with transaction(world.factory) as s:
        mid = ensure_municipality(s, OGRE, "Ogres novads")
        record_payments(s, mid, [NewPayment("A-G-2026-11", "A-G", "2026-11", Decimal("150.00"),
                                            "CASH", date(2026, 11, 15))])  # fmt: skip
        replace_facts(s, "PMLP", [b1], ("BASIC",), [Fact(b1, "BASIC", "basic", basic)], AFTER, "x")
        s.execute(
            update(Case)
            .where(Case.household_id == world.households["HH-C"])
            .values(ukrainian_civilian=True)
        )


@pytest.mark.postgres
def test_annual_report_rows_counted_by_hand(world: World) -> None:
    _amend(world)
    sent = world.run(annual_report, year="2026", municipality=OGRE, as_of=TODAY)
    [report] = sent["reports"]
    assert (report["status"], report["version"]) == ("ACCEPTED", 1), report
    found = world.mock.admin_get("spolis/reports", atvk=OGRE, kind="annual")["reports"]
    [v1] = {r["period"]: r["versions"] for r in found}["2026"]
    assert v1["body"]["rows"] == EXPECTED
    assert v1["receipt"]["errors"] == []


@pytest.mark.postgres
def test_annual_dry_run_prints_the_table(world: World) -> None:
    _amend(world)
    result = CliRunner().invoke(app, [
        "spolis", "annual", "--year", "2026", "--dry-run", "--format", "table", "--out", "dry",
        "--municipality", OGRE, "--config", str(world.config),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    written = json.loads(Path(f"dry/annual-{OGRE}-2026.json").read_text())
    assert written["payload"]["rows"] == EXPECTED
    lines = result.output.splitlines()
    assert "sociālā palīdzība 2026. gadā" in lines[0]
    header = next(i for i, line in enumerate(lines) if "Sociālā" in line)
    assert lines[header].split() == ["Sociālā", "Trūcīgas", "Maznodr.", "GMI", "Mājokļa",
                                     "Veselības", "Izglītības", "Citi", "Krīzes"]  # fmt: skip

    def cells(label: str) -> list[str]:
        line = next(x for x in lines if x.startswith(label))
        return line[44:].split()

    # columns: ALL, POOR, LOW_INCOME, GMI, HOUSING, HEALTH, EDUCATION, OTHER, CRISIS
    assert cells("Izlietoti euro") == ["425,50", "0,00", "0,00", "300,00", "80,00", "45,50",
                                       "0,00", "0,00", "0,00"]  # fmt: skip
    assert cells("Personas") == ["6", "6", "1", "2", "1", "3", "0", "0", "0"]
    assert cells("    t.sk. bērni ar invaliditāti") == ["1", "1", "0", "1", "0", "0", "0", "0", "0"]
    assert cells("  pilngadīgas darbspējīgas personas") == ["3", "3", "0", "1", "0", "2", "0",
                                                           "0", "0"]  # fmt: skip
    assert cells("    t.sk. algotie pagaidu") == ["1", "1", "0", "0", "0", "1", "0", "0", "0"]
    assert cells("Vidēji euro uz personu mēnesī")[0] == "53,19"
    assert "Pārbaude: kārtībā" in result.output
    assert "--format table: only with --dry-run" in CliRunner().invoke(app, [
        "spolis", "annual", "--year", "2026", "--format", "table", "--config", str(world.config),
    ]).output  # fmt: skip


def _valid() -> list[dict[str, object]]:
    return [dict(r) for r in EXPECTED]


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"women": 3}, "women_men_and_children_add_up_to_persons"),
        ({"pensionAge": 1}, "categories_add_up_to_persons"),
        ({"publicWorks": 3}, "public_works_not_above_working_age"),
        ({"ukrainianCivilians": 4}, "ukrainian_civilians_not_above_persons"),
        ({"averageMonthsPerPerson": "1.005"}, "str_matches"),
    ],
)
def test_annual_local_checks_name_the_rule(change: dict[str, object], rule: str) -> None:
    rows = _valid()
    assert check("ANNUAL", "2026", rows, date(2027, 1, 10)) == []
    rows[2] = {**rows[2], **change}  # BENEFIT_HEALTH
    issues = check("ANNUAL", "2026", rows, date(2027, 1, 10))
    assert issues and all(rule in i for i in issues), issues


def test_a_status_row_with_euros_is_caught() -> None:
    rows = _valid()
    rows[-1] = {**rows[-1], "eurCash": "5.00"}
    issues = check("ANNUAL", "2026", rows, date(2027, 1, 10))
    assert issues == ["STATUS_LOW_INCOME: record: status_rows_without_eur"], issues
