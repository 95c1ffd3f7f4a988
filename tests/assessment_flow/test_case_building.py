"""A household's assessment case built from the store equals the hand-built case (assessment.md §7)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tilts.assessment import (
    Case,
    DeclaredIncome,
    Disability,
    Employment,
    Month,
    NvaStatus,
    Person,
    Status,
    VidIncome,
    VsaaPayment,
    assess,
)
from tilts.flows.work.reassess import build_case, rules_for
from tilts.kernel.config import load_settings
from tilts.store.db import transaction
from tilts.store.decisions import Declaration, DeclaredLine, NewApplication, record_applications
from tilts.store.ops import ensure_municipality, now
from tilts.store.reassess import household_facts, latest_declarations

from .conftest import INCOME_MONTHS, OGRE, TODAY, D, Member, craft, store_facts

PENSIONER = Member(
    "01015810001", "1958-01-01", vsaa=[(m, "OLD_AGE_PENSION", "420.00") for m in INCOME_MONTHS]
)
WORKER = Member(
    "15068510002",
    "1985-06-15",
    salary={"2026-08": "400.00", "2026-09": "410.00", "2026-07": "999.00"},
    employment=("2020-03-01", None),
    nva={"kind": "JOB_SEEKER", "since": "2026-10-01", "endedOn": None},
)
CHILD = Member(
    "10011610003", "2016-01-10", disability=("2025-01-01", "2027-12-31", None),
    vsaa=[(m, "FAMILY_STATE_BENEFIT", "25.00") for m in INCOME_MONTHS],
)  # fmt: skip


def _hand_case(pids: dict[str, int]) -> Case:
    """The same household, written out by hand as the calculator's JSON would give it."""
    p, w, c = (str(pids[m.code]) for m in (PENSIONER, WORKER, CHILD))
    months = [Month.parse(m) for m in INCOME_MONTHS]
    return Case(
        municipality=OGRE, application_date=TODAY, savings=D("100.00"),
        property_conditions_met=True, cooperation_agreement=True,
        members=(
            Person(p, TODAY.replace(year=1958, month=1, day=1),
                   vsaa=tuple(VsaaPayment(m, "OLD_AGE_PENSION", D("420.00")) for m in months)),
            Person(w, TODAY.replace(year=1985, month=6, day=15),
                   vid=(VidIncome(Month(2026, 7), "SALARY", D("999.00")), VidIncome(months[0], "SALARY", D("400.00")),
                        VidIncome(months[1], "SALARY", D("410.00"))),
                   nva=NvaStatus("JOB_SEEKER"), employments=(Employment(TODAY.replace(year=2020, month=3, day=1)),)),
            Person(c, TODAY.replace(year=2016, month=1, day=10),
                   disability=Disability("CHILD", TODAY.replace(year=2025, month=1, day=1), None, TODAY.replace(year=2027, month=12, day=31)),
                   vsaa=tuple(VsaaPayment(m, "FAMILY_STATE_BENEFIT", D("25.00")) for m in months)),
        ),
        declared_income=(DeclaredIncome(c, "ALIMONY", D("30.00")),),
        housing_expenses={"RENT": D("150.00"), "HEATING": D("80.00")},
    )  # fmt: skip


def _sorted(case: Case) -> Case:
    """Registry records in a stable order (the store does not promise one)."""
    from dataclasses import replace

    members = tuple(
        replace(p, vid=tuple(sorted(p.vid, key=lambda r: r.month)), vsaa=tuple(sorted(p.vsaa, key=lambda r: r.month)))
        for p in case.members
    )  # fmt: skip
    return replace(case, members=members)


@pytest.mark.postgres
def test_case_from_facts_matches_the_hand_computed_assessment(
    crafted: tuple[Path, sessionmaker[Session]],
) -> None:
    config, factory = crafted
    hid, pids = craft(factory, {"HH-A": [PENSIONER, WORKER, CHILD]})["HH-A"]
    declaration = Declaration(
        D("100.00"), True, True, TODAY, {"RENT": D("150.00"), "HEATING": D("80.00")},
        (DeclaredLine(pids[CHILD.code], "ALIMONY", D("30.00")),),
    )  # fmt: skip
    with transaction(factory) as s:
        mid = ensure_municipality(s, OGRE, "Ogres novads")
        record_applications(
            s, mid, [NewApplication("A-1", hid, "STATUS", TODAY, declaration=declaration)]
        )
    with factory() as s:
        facts = household_facts(s, [hid], TODAY)[hid]
        built = build_case(facts, TODAY, latest_declarations(s, [hid], TODAY)[hid], OGRE)
    rules = rules_for(load_settings(config))
    assert _sorted(built) == _sorted(_hand_case(pids))
    result = assess(built, rules)
    assert result == assess(_hand_case(pids), rules)
    # by hand: (3 × 420 pension + 400 + 410 salary + 3 × 30 alimony) / 3; the child's family
    # benefit and the July salary do not count; 3 members in 2026: poor 425 + 2 × 298
    assert result.average_monthly_income == D("720.00")
    assert result.status is Status.POOR and result.gmi_benefit is None
    assert result.housing_benefit is not None
    # K "other" 1.3 from 2026-05-01 (assessment.md §5): (187 + 2 × 131) × 1.3 + 230 − 720
    # = 449 × 1.3 = 583.70 + 230.00 − 720.00 = 93.70
    assert result.housing_benefit.monthly_amount == D("93.70")


@pytest.mark.postgres
def test_case_reads_the_fact_history(crafted: tuple[Path, sessionmaker[Session]]) -> None:
    """A revised VID month supersedes the old figure; ``known_at`` still sees the old one."""
    _, factory = crafted
    hid, pids = craft(factory, {"HH-B": [WORKER]})["HH-B"]
    before = now()
    revised = Member(WORKER.code, WORKER.born, salary={**WORKER.salary, "2026-10": "300.00"},
                     employment=WORKER.employment, nva=WORKER.nva)  # fmt: skip
    with transaction(factory) as s:
        store_facts(s, pids[WORKER.code], revised, now() + timedelta(seconds=1), "later")
    rules = rules_for(load_settings(crafted[0]))
    with factory() as s:
        current = build_case(household_facts(s, [hid], TODAY)[hid], TODAY, None, OGRE)
        old = build_case(household_facts(s, [hid], TODAY, known_at=before)[hid], TODAY, None, OGRE)
    assert assess(current, rules).average_monthly_income == D("370.00")  # (400 + 410 + 300) / 3
    assert assess(old, rules).average_monthly_income == D("270.00")  # (400 + 410) / 3
