"""``nightly_sync`` ends with the re-assessment: real mock server, real store, real Prefect runs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tilts.flows.nightly import nightly_sync
from tilts.flows.runtime import open_store
from tilts.kernel.config import load_settings
from tilts.mocks.harness import MockHandle
from tilts.shell.demo import seed_history
from tilts.store.models import Decision, HouseholdFlag
from tilts.store.reassess import flag_counts


@pytest.mark.postgres
def test_nightly_flags_deaths_and_moves_after_a_month_and_never_twice(
    mock_config: Path, reassess_mock: MockHandle
) -> None:
    today = reassess_mock.admin_get("clock")["today"]
    first = nightly_sync(config_path=str(mock_config), as_of=today)
    assert first["failures"] == [] and first["households_flagged"] == 0  # no decisions yet
    history = seed_history(mock_config, date.fromisoformat(today))
    assert history["granted"] > 20 and history["payments"] > 20
    factory = open_store(load_settings(mock_config).store.url)[1]
    with factory() as s:
        decisions = sorted(
            s.execute(select(Decision.record_id, Decision.version, Decision.updated_at))
            .tuples()
            .all()
        )

    # a month of deaths, moves and new income months, then the nightly run
    reassess_mock.advance(30, change_rate=0.01)
    later = reassess_mock.admin_get("clock")["today"]
    second = nightly_sync(config_path=str(mock_config), as_of=later)
    assert second["failures"] == [], second["failures"]
    assert second["households_flagged"] > 0
    with factory() as s:
        counts = flag_counts(s)
        total = s.scalar(select(func.count()).select_from(HouseholdFlag))
        after = sorted(
            s.execute(select(Decision.record_id, Decision.version, Decision.updated_at))
            .tuples()
            .all()
        )
    assert counts.get("MEMBER_DIED", 0) + counts.get("MEMBER_MOVED_OUT", 0) > 0, counts
    assert after == decisions, "the re-assessment must never change a decision"

    # the same night again: nothing new to flag, nothing flagged twice
    third = nightly_sync(config_path=str(mock_config), as_of=later)
    assert third["households_flagged"] == 0
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(HouseholdFlag)) == total
