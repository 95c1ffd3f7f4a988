"""The ``reassess`` flow on crafted households: every reason flagged, decisions untouched,
re-runs idempotent, only changed households recomputed; ``tilts status`` shows the flags."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tilts.flows.reassess import reassess
from tilts.store.db import transaction
from tilts.store.decisions import NewDecision, record_decisions
from tilts.store.models import Decision, HouseholdFlag
from tilts.store.ops import ensure_municipality, now
from tilts.store.reassess import flag_counts, list_flags

from .conftest import INCOME_MONTHS, OGRE, TODAY, TUKUMS, D, Member, craft, monthly, store_facts


def _pension(amount: str) -> list[tuple[str, str, str]]:
    return [(m, "OLD_AGE_PENSION", amount) for m in INCOME_MONTHS]


HOUSEHOLDS = {
    # POOR granted; a salary of 700 a month is now above even Ogre's low-income threshold (595)
    "HH-INCOME": [Member("01018010001", "1980-01-01", salary=monthly("700.00"))],
    # POOR + GMI 187.00 granted with no income; 100 a month now: GMI would be 87.00
    "HH-GMI": [Member("01018010002", "1980-01-01", salary=monthly("100.00"))],
    "HH-DIED": [
        Member("01015010003", "1950-01-01", died="2026-11-10", vsaa=_pension("250.00")),
        Member("01015210004", "1952-01-01", vsaa=_pension("250.00")),
    ],
    "HH-MOVED": [Member("01018510005", "1985-01-01", atvk=TUKUMS)],
    "HH-EMIGRATED": [Member("01018510011", "1985-01-01", atvk=None, passive=True)],
    # disability group II in force at the request (2026-10-02), ended 2026-10-31
    "HH-DISABILITY": [Member("01017010006", "1970-01-01", disability=("2025-01-01", "2026-10-31", "II"))],
    # still fits: a pension of 300 is below the poor threshold 425
    "HH-OK": [Member("01014810007", "1948-01-01", vsaa=_pension("300.00"))],
    # its disability runs out on 2026-12-15: time, not a registry answer, ends it
    "HH-LATER": [Member("01017110008", "1971-01-01", disability=("2025-01-01", "2026-12-15", "I"))],
    # high income, but only a refusal / an expired status: nothing to review
    "HH-REFUSED": [Member("01018010009", "1980-01-01", salary=monthly("2000.00"))],
    "HH-EXPIRED": [Member("01018010010", "1980-01-01", salary=monthly("2000.00"))],
}  # fmt: skip


def _decisions(ids: dict[str, tuple[int, dict[str, int]]]) -> list[NewDecision]:
    def status(ext: str, **kw: Any) -> NewDecision:
        base: dict[str, Any] = {
            "record_id": f"{ext}-S", "household_id": ids[ext][0], "kind": "STATUS_POOR",
            "outcome": "GRANTED", "request_date": date(2026, 10, 2), "decision_date": date(2026, 10, 9),
            "valid_from": date(2026, 10, 1), "valid_to": date(2027, 3, 31),
        }  # fmt: skip
        return NewDecision(**(base | kw))

    out = [status(ext) for ext in HOUSEHOLDS if ext not in ("HH-REFUSED", "HH-EXPIRED")]
    out.append(
        status("HH-GMI", record_id="HH-GMI-G", kind="BENEFIT_GMI", monthly_amount=D("187.00"))
    )
    out.append(status("HH-REFUSED", kind="STATUS_LOW_INCOME", outcome="REFUSED", valid_from=None,
                      valid_to=None, refusal_reason="INCOME_ABOVE_THRESHOLD"))  # fmt: skip
    out.append(status("HH-EXPIRED", valid_from=date(2026, 4, 1), valid_to=date(2026, 9, 30)))
    return out


def _snapshot(factory: sessionmaker[Session]) -> list[tuple[Any, ...]]:
    with factory() as s:
        return sorted(s.execute(select(
            Decision.record_id, Decision.version, Decision.outcome, Decision.valid_from, Decision.valid_to,
            Decision.monthly_amount, Decision.updated_at, Decision.revokes_decision_id,
        )).tuples().all())  # fmt: skip


def _flags(factory: sessionmaker[Session]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    with factory() as s:
        for f in list_flags(s, limit=100):
            out.setdefault(f.household, set()).add(f.reason)
    return out


@pytest.mark.postgres
def test_reassess_flags_every_reason_once_and_never_touches_a_decision(
    crafted: tuple[Path, sessionmaker[Session]], prefect_harness: None
) -> None:
    config, factory = crafted
    ids = craft(factory, HOUSEHOLDS)
    with transaction(factory) as s:
        mid = ensure_municipality(s, OGRE, "Ogres novads")
        # recorded an hour ago, like the facts: older than the re-assessment's grace window
        record_decisions(s, mid, _decisions(ids), now() - timedelta(hours=1))
    before = _snapshot(factory)

    first = reassess(municipality=OGRE, config_path=str(config), as_of=TODAY.isoformat())
    assert first["failures"] == []
    assert _flags(factory) == {
        "HH-INCOME": {"INCOME_ABOVE_THRESHOLD"},
        "HH-GMI": {"INCOME_ABOVE_THRESHOLD"},
        "HH-DIED": {"MEMBER_DIED"},
        "HH-MOVED": {"MEMBER_MOVED_OUT"},
        "HH-EMIGRATED": {"MEMBER_MOVED_OUT"},
        "HH-DISABILITY": {"DISABILITY_ENDED"},
    }
    assert first["households_flagged"] == 6
    # the first run looks at every household holding a valid status (8 households, 9 persons)
    assert first["persons_considered"] == 9
    with factory() as s:
        gmi_flag = next(f for f in list_flags(s) if f.household == "HH-GMI")
        details = " ".join(f.detail for f in list_flags(s, limit=100))
    assert (
        gmi_flag.decision == "HH-GMI-G"
        and "87.00" in gmi_flag.detail
        and "187.00" in gmi_flag.detail
    )
    assert not any(m.code in details for ms in HOUSEHOLDS.values() for m in ms)

    # nothing changed: nobody is recomputed, nothing is flagged twice
    second = reassess(municipality=OGRE, config_path=str(config), as_of=TODAY.isoformat())
    assert (second["persons_considered"], second["households_flagged"]) == (0, 0)

    # a registry answer raises the pension of HH-OK: only that household is recomputed
    ok = HOUSEHOLDS["HH-OK"][0]
    with transaction(factory) as s:
        store_facts(
            s,
            ids["HH-OK"][1][ok.code],
            Member(ok.code, ok.born, vsaa=_pension("800.00")),
            now(),
            "sync-2",
        )
    third = reassess(municipality=OGRE, config_path=str(config), as_of=TODAY.isoformat())
    assert (third["persons_considered"], third["households_flagged"]) == (1, 1)
    assert _flags(factory)["HH-OK"] == {"INCOME_ABOVE_THRESHOLD"}

    # three weeks later, with no registry answer at all, HH-LATER's disability has run out;
    # HH-OK, changed minutes before the last run by another run, is looked at once more (the
    # cursor's grace window) without a second flag
    fourth = reassess(municipality=OGRE, config_path=str(config), as_of="2026-12-20")
    assert (fourth["persons_considered"], fourth["households_flagged"]) == (2, 1)
    assert _flags(factory)["HH-LATER"] == {"DISABILITY_ENDED"}

    assert _snapshot(factory) == before, "the re-assessment must never change a decision"
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(HouseholdFlag)) == 8
        assert flag_counts(s) == {
            "DISABILITY_ENDED": 2,
            "INCOME_ABOVE_THRESHOLD": 3,
            "MEMBER_DIED": 1,
            "MEMBER_MOVED_OUT": 2,
        }

    # tilts status: counts per reason and the newest flags, by household id, no personal code
    env = {k: v for k, v in os.environ.items() if not k.startswith("TILTS_")}
    run = [sys.executable, "-m", "tilts.shell.cli", "status", "--config", str(config)]
    text = subprocess.run(
        run, env=env, capture_output=True, text=True, timeout=120, check=True
    ).stdout
    raw = subprocess.run(
        [*run, "--json"], env=env, capture_output=True, text=True, timeout=120, check=True
    ).stdout
    report = json.loads(raw)
    assert (
        report["flags"]["open"] == 8 and report["flags"]["by_reason"]["INCOME_ABOVE_THRESHOLD"] == 3
    )
    assert {f["household"] for f in report["flags"]["newest"]} >= {"HH-OK", "HH-LATER"}
    assert "Households flagged for review (open flags: 8)" in text and "HH-DIED" in text
    assert "reassess" in {r["flow"] for r in report["runs"]}
    for output in (text, raw):
        assert not any(m.code in output for ms in HOUSEHOLDS.values() for m in ms)
