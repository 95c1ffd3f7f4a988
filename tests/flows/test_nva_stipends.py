"""NVA ``stipends`` end to end (registries.md §6, assessment.md §2): the mock's answer goes
through the connector and the schema into the store, a bad stipend quarantines only its own
record naming the field, and the case built from the store carries the pay."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from tilts.assessment import Month, Stipend, case_from_data
from tilts.flows.sync_registries import sync_employment
from tilts.flows.work.case_json import case_json
from tilts.flows.work.reassess import build_case, nva_stipends
from tilts.kernel.clock import riga_today
from tilts.mocks.harness import MockHandle
from tilts.store.models import HouseholdMember, PersonCode, Quarantine, RegistryFact
from tilts.store.reassess import household_facts

from .test_sync_population import _factory

PAY = [
    {"month": "2026-08", "amount": "160.00"},
    {"month": "2026-09", "amount": "320.00"},
    {"month": "2026-10", "amount": "320.00"},
]


def _registration(stipends: object) -> dict[str, object]:
    return {
        "kind": "UNEMPLOYED",
        "since": "2026-05-04",
        "activeMeasure": {
            "type": "PAID_TEMPORARY_PUBLIC_WORKS",
            "from": "2026-08-17",
            "to": "2026-12-16",
            "stipendPaid": True,
            "stipends": stipends,
        },
    }


@pytest.mark.postgres
def test_stipends_are_stored_and_a_bad_one_is_quarantined_naming_the_field(
    config: Path, flow_mock: MockHandle
) -> None:
    today = flow_mock.admin_get("clock")["today"]
    sample = flow_mock.sample("0040000", 400)
    worker = sample[0]["personCode"]
    other = next(p["personCode"] for p in sample if p["householdId"] != sample[0]["householdId"])
    bad = [{"month": "2026-09", "amount": "-5.00"}]
    flow_mock.add_fault(
        service="nva",
        kind="record",
        records={worker: {"registration": _registration(PAY)},
                 other: {"registration": _registration(bad)}},
    )  # fmt: skip
    figures = sync_employment(config_path=str(config), as_of=today, full=True)
    assert figures["quarantined"] == 1, figures
    factory = _factory(config)
    with factory() as s:
        pid = s.scalar(select(PersonCode.person_id).where(PersonCode.code == worker))
        other_pid = s.scalar(select(PersonCode.person_id).where(PersonCode.code == other))
        payloads = {
            p: s.scalars(
                select(RegistryFact.payload).where(
                    RegistryFact.person_id == p,
                    RegistryFact.source == "NVA",
                    RegistryFact.superseded_at.is_(None),
                )
            ).all()
            for p in (pid, other_pid)
        }
        reasons = s.scalars(select(Quarantine.reason).where(Quarantine.service == "nva")).all()
        hid = s.scalar(select(HouseholdMember.household_id).where(HouseholdMember.person_id == pid))
        facts = household_facts(s, [hid], riga_today())[hid]
    assert payloads[pid] and payloads[pid][0]["stipends"] == PAY
    assert payloads[other_pid] == []  # the bad record is not stored
    assert reasons == ["stipends: stipend_amount_EUR_not_negative"]
    member = next(m for m in facts.members if m.person_id == pid)
    assert nva_stipends(member) == tuple((p["month"], Decimal(p["amount"])) for p in PAY)
    for m in facts.members:  # no population sync here: the birth date is the test's
        m.birth_date = date(1990, 1, 1)
    case = build_case(facts, riga_today(), None, "0040000")
    person = next(p for p in case.members if p.id == str(pid))
    assert person.nva is not None and person.nva.active_measure is not None
    assert person.nva.active_measure.stipends == tuple(
        Stipend(Month.parse(p["month"]), Decimal(p["amount"])) for p in PAY
    )
    # the calculator input of assessment.md §7: members[].nva.activeMeasure.stipends
    as_json = case_json(case)
    mine = next(m for m in as_json["members"] if m["id"] == str(pid))
    assert mine["nva"]["activeMeasure"]["stipends"] == PAY
    assert case_from_data(as_json) == case  # the calculator reads back the same case
