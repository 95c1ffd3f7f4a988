"""LAD and UGFA facts in the case built from the store (property.md §5-6, assessment.md §2):
stored as the syncs store them (the schemas' own fact mappers), read back into the case,
counted by hand; a re-assessment flags a household whose LAD income lifts it above its status.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tilts.assessment import Maintenance, Month, RuralPayment, assess
from tilts.flows.reassess import reassess
from tilts.flows.work.reassess import build_case, rules_for
from tilts.kernel.config import load_settings
from tilts.schemas.lad import payment_facts
from tilts.schemas.ugfa import maintenance_facts
from tilts.store.db import transaction
from tilts.store.decisions import NewDecision, record_decisions
from tilts.store.facts import replace_facts
from tilts.store.ops import ensure_municipality, now
from tilts.store.reassess import household_facts, list_flags

from .conftest import INCOME_MONTHS, OGRE, TODAY, D, Member, craft, monthly

PARENT = Member("01018510021", "1985-01-01", salary=monthly("300.00"))
CHILD = Member("01011510022", "2015-01-01")
LAD_ROWS = [  # paid in 2025-11..2026-10, counted; 2025-10 is the 13th month back, not counted
    {"paymentType": "BASIC_INCOME_SUPPORT", "campaignYear": 2025, "amount": "840.00",
     "paymentDate": "2025-12-14"},
    {"paymentType": "BASIC_INCOME_SUPPORT", "campaignYear": 2025, "amount": "360.00",
     "paymentDate": "2026-05-10"},
    {"paymentType": "ECO_SCHEME", "campaignYear": 2024, "amount": "999.00",
     "paymentDate": "2025-10-20"},
]  # fmt: skip
UGFA_ROWS = [
    {"caseNumber": "UGF-2024/00012", "month": m, "amount": "195.00",
     "paymentDate": f"{m}-18", "recipientPersonCode": PARENT.code}
    for m in INCOME_MONTHS
]  # fmt: skip
YEAR = [str(Month(2026, 11).shift(-k)) for k in range(12, 0, -1)]  # 2025-11 … 2026-10


def _store(
    factory: sessionmaker[Session], pids: dict[str, int], lad: list[dict[str, Any]], ago: int = 30
) -> None:
    """LAD and UGFA facts written the way a sync writes them, ``ago`` minutes ago."""
    parent, child = pids[PARENT.code], pids[CHILD.code]
    fetched = now() - timedelta(minutes=ago)
    with transaction(factory) as s:
        replace_facts(s, "LAD", [parent], ("RURAL_PAYMENT",), payment_facts(parent, lad),
                      fetched, "craft-lad", periods=["2025-10", *YEAR])  # fmt: skip
        replace_facts(s, "UGFA", [child], ("MAINTENANCE",), maintenance_facts(child, UGFA_ROWS),
                      fetched, "craft-ugfa", periods=list(INCOME_MONTHS))  # fmt: skip


@pytest.mark.postgres
def test_case_from_facts_carries_lad_and_ugfa(crafted: tuple[Path, sessionmaker[Session]]) -> None:
    config, factory = crafted
    hid, pids = craft(factory, {"HH-L": [PARENT, CHILD]})["HH-L"]
    _store(factory, pids, LAD_ROWS)
    months = list(INCOME_MONTHS)
    with factory() as s:  # read as the re-assessment reads: income months, LAD's 12 months
        facts = household_facts(s, [hid], TODAY, periods=months, long_periods=YEAR)[hid]
        short = household_facts(s, [hid], TODAY, periods=months)[hid]
    case = build_case(facts, TODAY, None, OGRE)
    parent, child = case.members
    assert sorted(parent.lad, key=lambda p: p.payment_date) == [
        RuralPayment("BASIC_INCOME_SUPPORT", 2025, D("840.00"), date(2025, 12, 14)),
        RuralPayment("BASIC_INCOME_SUPPORT", 2025, D("360.00"), date(2026, 5, 10)),
    ]
    assert sorted(child.ugfa, key=lambda m: m.month) == [
        Maintenance(Month.parse(m), D("195.00"), date.fromisoformat(f"{m}-18"), "UGF-2024/00012")
        for m in INCOME_MONTHS
    ]
    result = assess(case, rules_for(load_settings(config)))
    # by hand: salary 300.00 + LAD (840 + 360) / 12 = 100.00 + UGFA 195.00 = 595.00 a month
    assert result.average_monthly_income == D("595.00")
    # read over the income months only, the LAD payments would be missed
    assert build_case(short, TODAY, None, OGRE).members[0].lad == ()


@pytest.mark.postgres
def test_reassess_flags_a_status_that_lad_income_lifts_above_its_threshold(
    crafted: tuple[Path, sessionmaker[Session]], prefect_harness: None
) -> None:
    config, factory = crafted
    ids = craft(factory, {"HH-FARM": [PARENT, CHILD]})
    hid, pids = ids["HH-FARM"]
    with transaction(factory) as s:
        mid = ensure_municipality(s, OGRE, "Ogres novads")
        record_decisions(s, mid, [NewDecision(
            record_id="HH-FARM-S", household_id=hid, kind="STATUS_POOR", outcome="GRANTED",
            request_date=date(2026, 10, 2), decision_date=date(2026, 10, 9),
            valid_from=date(2026, 10, 1), valid_to=date(2027, 3, 31),
        )], now() - timedelta(hours=1))  # fmt: skip
    # 300.00 salary + 195.00 UGFA = 495.00: POOR fits (2 persons in 2026: 425 + 298 = 723.00)
    _store(factory, pids, [])
    first = reassess(municipality=OGRE, config_path=str(config), as_of=TODAY.isoformat())
    assert first["failures"] == [] and first["households_flagged"] == 0
    # a campaign's 4,800.00 arrives: + 400.00 a month = 895.00, above the poor threshold
    big = [{"paymentType": "BASIC_INCOME_SUPPORT", "campaignYear": 2025, "amount": "4800.00",
            "paymentDate": "2025-12-14"}]  # fmt: skip
    _store(factory, pids, big, ago=0)  # a later sync: the household's facts changed
    second = reassess(municipality=OGRE, config_path=str(config), as_of=TODAY.isoformat())
    assert second["households_flagged"] == 1
    with factory() as s:
        [flag] = list_flags(s, limit=10)
    assert flag.reason == "INCOME_ABOVE_THRESHOLD" and "895.00" in flag.detail
    assert PARENT.code not in flag.detail and CHILD.code not in flag.detail
