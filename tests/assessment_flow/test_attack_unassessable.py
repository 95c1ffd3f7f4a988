"""Found by attacking it (issue 18, item 2): a household the re-assessment cannot assess is a
failure line and a figure, never silently dropped."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tilts.flows.reassess import reassess
from tilts.store.db import transaction
from tilts.store.decisions import NewDecision, record_decisions
from tilts.store.ops import ensure_municipality, now

from .conftest import OGRE, TODAY, Member, craft, monthly


@pytest.mark.postgres
def test_a_household_that_cannot_be_assessed_is_a_failure_and_a_figure(
    crafted: tuple[Path, sessionmaker[Session]], prefect_harness: None
) -> None:
    config, factory = crafted
    ids = craft(
        factory,
        {
            "HH-FINE": [Member("01018010001", "1980-01-01", salary=monthly("700.00"))],
            # PMLP never stated a birth date: no case can be built
            "HH-NO-BIRTH": [Member("01018010002", "", salary=monthly("100.00"))],
        },
    )
    decisions = [
        NewDecision(
            record_id=f"{ext}-S", household_id=hid, kind="STATUS_POOR", outcome="GRANTED",
            request_date=date(2026, 10, 2), decision_date=date(2026, 10, 9),
            valid_from=date(2026, 10, 1), valid_to=date(2027, 3, 31),
        )
        for ext, (hid, _) in ids.items()
    ]  # fmt: skip
    with transaction(factory) as s:
        mid = ensure_municipality(s, OGRE, "Ogres novads")
        record_decisions(s, mid, decisions, now() - timedelta(hours=1))

    figures = reassess(municipality=OGRE, config_path=str(config), as_of=TODAY.isoformat())
    hid = ids["HH-NO-BIRTH"][0]
    assert figures["households_unassessable"] == 1
    assert figures["failures"] == [
        f"{OGRE} reassess: household {hid} cannot be assessed: "
        "members[0].birthDate: not known to the store"
    ]
    assert figures["households_flagged"] == 1  # the other household was assessed and flagged
    assert "01018010002" not in str(figures)
