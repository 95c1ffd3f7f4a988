"""Retroactive rule changes (assessment.md §5): a dated row added for months already granted
makes the re-assessment recompute them and flag ``RECALCULATION_DUE`` with the difference per
month, in both directions. Decisions and payments are those the calculator gave under the
packaged rules, payments following each benefit's schedule; amounts are hand-computed.

* HH-PENSIONER: born 1950, old-age pension 500.00 a month, rent 200.00 + heating 100.00;
  applies 2025-10-06 → LOW_INCOME (500 > 377, ≤ Ogre's 528), housing benefit for 6 months
  (Oct 2025 – Mar 2026): 166 × 2.1 + 300 − 500 = 148.60 in Oct–Dec 2025, 187 × 2.5 + 300 − 500
  = 267.50 in Jan–Mar 2026 (the transitional K). Paid through Feb 2026.
* HH-WORKER: born 1985, salary 100.00 a month, no housing costs, co-operation agreement;
  applies 2025-12-03 → POOR, GMI benefit for 3 months: 166 − 100 = 66.00 in Dec 2025, 187 − 100
  = 87.00 in Jan and Feb 2026. Paid through Feb 2026.
* HH-UNTOUCHED: born 1952, pension 300.00, no housing costs, applies 2025-06-02 → POOR, GMI
  for 6 months (Jun–Nov 2025): 166 − 300 < 0 → no benefit; nothing to recompute.

The new rules: Ogre raises K for a single pensioner to 2.4 from 2025-11-01 (the larger K
applies: Nov–Dec 2025 166 × 2.4 + 300 − 500 = 198.40, +49.80 each; 2026 stays at 2.5), and a
national row from 2026-02-01 sets the GMI threshold to 180 / 126 (Feb 2026: the pensioner's
180 × 2.5 + 300 − 500 = 250.00, −17.50; the worker's 180 − 100 = 80.00, −7.00).
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tilts.assessment import assess
from tilts.assessment.rules import HouseholdType, Rules, load_rules
from tilts.assessment.rules.tables import HousingCoefficientRow, Rate
from tilts.flows.context import night_context
from tilts.flows.runtime import close_runtime, open_runtime
from tilts.flows.work.reassess import build_case, rules_for
from tilts.flows.work.recalculation import recalculate
from tilts.flows.work.spolis_records import decision_records
from tilts.store.db import transaction
from tilts.store.decisions import (
    Declaration,
    NewApplication,
    NewDecision,
    record_applications,
    record_decisions,
    record_payments,
    schedule_payments,
)
from tilts.store.models import BenefitPayment, Decision, HouseholdFlag
from tilts.store.ops import ensure_municipality, now
from tilts.store.reassess import household_facts

from .conftest import OGRE, Member, craft

D = Decimal
TODAY = date(2026, 2, 20)
M = ["2025-03", "2025-04", "2025-05", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11"]
HOUSEHOLDS = {
    "HH-PENSIONER": [Member("01015010001", "1950-01-01",
                            vsaa=[(m, "OLD_AGE_PENSION", "500.00") for m in M])],
    "HH-WORKER": [Member("15068510002", "1985-06-15", salary=dict.fromkeys(M, "100.00"),
                         employment=("2020-03-01", None))],
    "HH-UNTOUCHED": [Member("02025210003", "1952-02-02",
                            vsaa=[(m, "OLD_AGE_PENSION", "300.00") for m in M])],
}  # fmt: skip
APPLIED = {
    "HH-PENSIONER": (date(2025, 10, 6), {"RENT": D("200.00"), "HEATING": D("100.00")}),
    "HH-WORKER": (date(2025, 12, 3), {}),
    "HH-UNTOUCHED": (date(2025, 6, 2), {}),
}


def _seed(factory: sessionmaker[Session], rules: Rules | None = None) -> None:
    """Each household's application, the calculator's decisions (under ``rules``, the packaged
    ones by default) and the scheduled payments."""
    ids = craft(factory, HOUSEHOLDS, fetched_at=now() - timedelta(days=1))
    rules = rules or load_rules()
    with transaction(factory) as s:
        mid = ensure_municipality(s, OGRE, "Ogres novads")
        apps, decisions, payments = [], [], []
        for ext, (day, costs) in APPLIED.items():
            hid = ids[ext][0]
            declaration = Declaration(D("0.00"), True, True, day, costs)
            apps.append(NewApplication(ext, hid, "STATUS", day, None, declaration))
            result = assess(build_case(household_facts(s, [hid], day)[hid], day, declaration,
                                       OGRE), rules)  # fmt: skip
            kind = "STATUS_POOR" if result.status.value == "POOR" else "STATUS_LOW_INCOME"
            decisions.append(NewDecision(f"{ext}-S", hid, kind, "GRANTED", day, day,
                                         valid_from=result.valid_from, valid_to=result.valid_to))  # fmt: skip
            for rid, benefit in ((f"{ext}-G", result.gmi_benefit),
                                 (f"{ext}-H", result.housing_benefit)):  # fmt: skip
                if benefit is None:
                    continue
                decisions.append(NewDecision(
                    rid, hid, "BENEFIT_GMI" if rid.endswith("G") else "BENEFIT_HOUSING",
                    "GRANTED", day, day, valid_from=benefit.valid_from, valid_to=benefit.valid_to,
                    monthly_amount=benefit.monthly_amount))  # fmt: skip
                schedule = [(str(m.month), m.amount) for m in benefit.schedule]
                payments += schedule_payments(
                    rid, schedule, "CASH",
                    lambda month: date.fromisoformat(f"{month}-15") if month <= "2026-02" else None,
                )  # fmt: skip
        refs = record_applications(s, mid, apps)
        decisions = [
            dataclasses.replace(d, application_id=refs[d.record_id[:-2]]) for d in decisions
        ]
        record_decisions(s, mid, decisions, now() - timedelta(hours=1))
        record_payments(s, mid, payments)


def _paid(factory: sessionmaker[Session]) -> dict[str, dict[str, str]]:
    with factory() as s:
        rows = s.execute(
            select(Decision.record_id, BenefitPayment.month, BenefitPayment.amount).join(
                Decision, Decision.id == BenefitPayment.decision_id
            )
        ).tuples()
        out: dict[str, dict[str, str]] = {}
        for rid, month, amount in rows:
            out.setdefault(rid, {})[month] = f"{amount:.2f}"
    return out


def _amended():  # type: ignore[no-untyped-def]
    rules = load_rules(extra_coefficient_rows=[HousingCoefficientRow(
        date(2025, 11, 1), {HouseholdType.SINGLE_PENSION_AGE_OR_DISABILITY: D("2.4")},
        source="test: Ogre's own coefficient", atvk=OGRE)])  # fmt: skip
    row = dataclasses.replace(
        rules.thresholds[-1], in_force_from=date(2026, 2, 1), gmi=Rate(D("180"), D("126")),
        source="test: a corrected GMI threshold",
    )  # fmt: skip
    return dataclasses.replace(rules, thresholds=(*rules.thresholds, row))


@pytest.mark.postgres
def test_a_dated_row_over_granted_months_flags_the_differences_both_ways(
    crafted: tuple[Path, sessionmaker[Session]], prefect_harness: None
) -> None:
    config, factory = crafted
    _seed(factory)
    # the decisions and payments follow the schedule: a payment per month with its amount
    assert _paid(factory) == {
        "HH-PENSIONER-H": {"2025-10": "148.60", "2025-11": "148.60", "2025-12": "148.60",
                           "2026-01": "267.50", "2026-02": "267.50"},
        "HH-WORKER-G": {"2025-12": "66.00", "2026-01": "87.00", "2026-02": "87.00"},
    }  # fmt: skip
    rt = open_runtime("reassess", str(config))
    try:
        # SPOLIS decision records carry the first month's amount and the benefit's period
        records = {c.record_id.split(":")[0]: c.record
                   for c in decision_records(rt, OGRE).candidates}  # fmt: skip
        assert (records["HH-PENSIONER-H"]["monthlyAmount"], records["HH-PENSIONER-H"]["validTo"]) == (
            "148.60", "2026-03-31")  # fmt: skip
        assert (records["HH-WORKER-G"]["monthlyAmount"], records["HH-WORKER-G"]["validTo"]) == (
            "66.00", "2026-02-28")  # fmt: skip
        packaged = rules_for(rt.settings)
        night = night_context(rt, OGRE, TODAY)
        # the first run remembers the rules in force; the same rules again recompute nothing
        assert recalculate(rt, night, packaged)["decisions"] == 0
        assert recalculate(rt, night, packaged) == {"decisions": 0, "unassessable": 0,
                                                    "flags": 0}  # fmt: skip
        done = recalculate(rt, night, _amended())
        assert done == {"decisions": 2, "unassessable": 0, "flags": 2}
        again = recalculate(rt, night, _amended())
        assert again["flags"] == 0  # the same rules: nothing recomputed, nothing twice
    finally:
        close_runtime(rt)
    with factory() as s:
        flags = {
            rid: (f.reason, f.detail)
            for f, rid in s.execute(
                select(HouseholdFlag, Decision.record_id).join(
                    Decision, Decision.id == HouseholdFlag.decision_id
                )
            ).tuples()
        }
    assert flags == {
        "HH-PENSIONER-H": ("RECALCULATION_DUE",
            "housing benefit HH-PENSIONER-H under the rules in force now: "
            "2025-11: paid 148.60, due 198.40 (+49.80); 2025-12: paid 148.60, due 198.40 (+49.80); "
            "2026-02: paid 267.50, due 250.00 (−17.50)"),
        "HH-WORKER-G": ("RECALCULATION_DUE",
            "GMI benefit HH-WORKER-G under the rules in force now: "
            "2026-02: paid 87.00, due 80.00 (−7.00)"),
    }  # fmt: skip


def _before_the_february_2026_amendment() -> Rules:
    """The packaged rules without the transitional 2026-01-01 K row: the 2025 figures (2.1 /
    1.7 / 1.7 / 1.3) stay in force until the 2026-05-01 row, as before the amendment."""
    rules = load_rules()
    rows = tuple(r for r in rules.housing_coefficients if r.in_force_from != date(2026, 1, 1))
    assert len(rows) == len(rules.housing_coefficients) - 1
    return dataclasses.replace(rules, housing_coefficients=rows)


@pytest.mark.postgres
def test_the_february_2026_amendment_flags_the_granted_january_and_february(
    crafted: tuple[Path, sessionmaker[Session]], prefect_harness: None
) -> None:
    """The amendment in force 2026-02-28 set K 2.5 for a single pensioner from 2026-01-01 to
    2026-04-30. HH-PENSIONER's benefit, granted before it at K 2.1: 166 × 2.1 + 300 − 500 =
    148.60 in Oct–Dec 2025, 187 × 2.1 + 300 − 500 = 192.70 in Jan–Mar 2026, paid through
    February. With the amendment's row January and February are due 187 × 2.5 + 300 − 500 =
    267.50 (+74.80 each); 2025 is untouched, March is not paid yet, and the GMI benefit (no K)
    and the household without a benefit are not flagged."""
    config, factory = crafted
    before = _before_the_february_2026_amendment()
    _seed(factory, before)
    assert _paid(factory)["HH-PENSIONER-H"] == {
        "2025-10": "148.60", "2025-11": "148.60", "2025-12": "148.60",
        "2026-01": "192.70", "2026-02": "192.70"}  # fmt: skip
    rt = open_runtime("reassess", str(config))
    try:
        night = night_context(rt, OGRE, TODAY)
        assert recalculate(rt, night, before)["decisions"] == 0  # the rules then in force
        done = recalculate(rt, night, rules_for(rt.settings))  # the packaged rules: amended
        assert done == {"decisions": 2, "unassessable": 0, "flags": 1}
    finally:
        close_runtime(rt)
    with factory() as s:
        flags = [
            (rid, f.reason, f.detail)
            for f, rid in s.execute(
                select(HouseholdFlag, Decision.record_id).join(
                    Decision, Decision.id == HouseholdFlag.decision_id
                )
            ).tuples()
        ]
    assert flags == [
        ("HH-PENSIONER-H", "RECALCULATION_DUE",
         "housing benefit HH-PENSIONER-H under the rules in force now: "
         "2026-01: paid 192.70, due 267.50 (+74.80); 2026-02: paid 192.70, due 267.50 (+74.80)"),
    ]  # fmt: skip
