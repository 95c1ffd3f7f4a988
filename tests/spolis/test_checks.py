"""The benefit cross-check flags an overlap the other municipality submitted, ``tilts status``
shows it without a personal code; the month's co-financing is stored beside its report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from tilts.flows.spolis import (
    benefit_crosscheck,
    monthly_report,
    pull_cofinancing,
    submit_decisions,
)
from tilts.shell.status import collect, render
from tilts.store.db import transaction
from tilts.store.decisions import NewDecision, record_decisions
from tilts.store.models_spolis import SpolisCofinancing, SpolisCrossCheckFlag, SpolisReport
from tilts.store.ops import ensure_municipality, now

from .conftest import HOUSEHOLDS, OGRE, TODAY, TUKUMS, Member, World, craft


@pytest.mark.postgres
def test_crosscheck_flags_an_overlap_with_another_municipality(world: World) -> None:
    a1_code = HOUSEHOLDS["HH-A"][0].code
    # Tukums has the same person in a household of its own and grants it GMI from November
    ids, _ = craft(world.factory, TUKUMS, {"TK-1": [Member("1980-03-04", code=a1_code)]})
    with transaction(world.factory) as s:
        mid = ensure_municipality(s, TUKUMS, "Tukuma novads")
        gmi = NewDecision("TK-G", ids["TK-1"], "BENEFIT_GMI", "GRANTED", date(2026, 11, 2),
                          date(2026, 11, 2), valid_from=date(2026, 11, 1),
                          valid_to=date(2027, 1, 31), monthly_amount=Decimal("100.00"))  # fmt: skip
        record_decisions(s, mid, [gmi], now())
    assert world.run(submit_decisions, municipality=TUKUMS)["submissions_accepted"] == 1

    checked = world.run(benefit_crosscheck, month="2026-11", municipality=OGRE)
    # drawing GMI or housing benefit in November: HH-A (2), HH-B (1), HH-E (1)
    assert (checked["persons_considered"], checked["households_flagged"]) == (4, 1)
    with world.factory() as s:
        [flag] = s.scalars(select(SpolisCrossCheckFlag))
    a1 = world.persons["HH-A"][0]
    assert (flag.household_id, flag.person_id, flag.month) == (
        world.households["HH-A"],
        a1,
        "2026-11",
    )
    assert (flag.other_atvk, flag.kind, flag.status) == (TUKUMS, "BENEFIT_GMI", "OPEN")
    assert flag.other_valid_from == "2026-11-01"

    again = world.run(benefit_crosscheck, month="2026-11", municipality=OGRE)
    assert again["households_flagged"] == 0
    with world.factory() as s:
        assert len(list(s.scalars(select(SpolisCrossCheckFlag)))) == 1

    report = collect(world.config)
    assert report["flags"]["by_reason"]["SPOLIS_OVERLAP_BENEFIT_GMI"] == 1
    text = render(report)
    assert "household HH-A" in text and "SPOLIS_OVERLAP_BENEFIT_GMI" in text
    assert a1_code not in text and a1_code not in repr(report)


@pytest.mark.postgres
def test_cofinancing_stored_beside_the_report(world: World) -> None:
    pending = world.run(pull_cofinancing, month="2026-10", municipality=OGRE)
    assert pending["cofinancing"] == {OGRE: "PENDING"}
    world.run(monthly_report, month="2026-10", municipality=OGRE, as_of=TODAY)
    done = world.run(pull_cofinancing, month="2026-10", municipality=OGRE)
    assert done["cofinancing"] == {OGRE: "CALCULATED"}
    with world.factory() as s:
        [row] = s.scalars(select(SpolisCofinancing))
        report = s.scalar(select(SpolisReport).where(SpolisReport.status == "ACCEPTED"))
    assert report is not None
    assert (row.month, row.status, row.report_id) == ("2026-10", "CALCULATED", report.id)
    assert (row.gmi_eur_reported, row.state_share_percent, row.state_amount) == (
        Decimal("150.00"), Decimal("30.00"), Decimal("45.00"),
    )  # fmt: skip
