"""Bad records from the registries, end to end: quarantined naming the field, never half-written.

A registry answers one person's record badly (the mock's ``record`` fault overrides that
person's answer: a three-decimal amount, a month 13, a number where a money string belongs, an
impossible date, a year 0000, a campaign year as a string, a recipient code in full-width
digits, a personal code with a bad check digit, a missing birth date, a
value the XSD refuses) in the middle of a real sync over a real store. Then:

* the bad person's rows are in ``quarantine`` with a reason that names the field, and neither
  the code (masked in ``record_ref``) nor the offending value;
* nothing of that person's answer is stored: their facts (and PMLP snapshot) are exactly as
  before, although other rows of the same answer were valid;
* everyone else was synced in the same run: the clock moved, others changed, and a run after the
  fault is gone changes no one but the bad persons.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tilts.flows.runtime import open_store
from tilts.flows.sync_population import sync_population
from tilts.flows.sync_registries import sync_employment, sync_income
from tilts.kernel.config import load_settings
from tilts.kernel.personal_code import invalid_reason, is_new_format, mask
from tilts.mocks.harness import MockHandle
from tilts.store.models import Person, Quarantine, RegistryFact

FactRow = tuple[int, str, str, str, bool]  # id, kind, key, content hash, current


def _factory(config: Path) -> sessionmaker[Session]:
    return open_store(load_settings(config).store.url)[1]


def _facts(factory: sessionmaker[Session], source: str) -> dict[int, set[FactRow]]:
    """Every fact row of ``source`` (current and superseded) by person."""
    out: dict[int, set[FactRow]] = defaultdict(set)
    with factory() as s:
        for pid, *row, superseded in s.execute(
            select(
                RegistryFact.person_id, RegistryFact.id, RegistryFact.kind,
                RegistryFact.fact_key, RegistryFact.content_hash, RegistryFact.superseded_at,
            ).where(RegistryFact.source == source)
        ):  # fmt: skip
            out[pid].add((*row, superseded is None))
    return out


def _payloads(factory: sessionmaker[Session], source: str, kind: str) -> dict[int, list[Any]]:
    """Current payloads of ``source``/``kind`` by person, in key order (as the wire lists)."""
    out: dict[int, list[Any]] = defaultdict(list)
    with factory() as s:
        for pid, payload in s.execute(
            select(RegistryFact.person_id, RegistryFact.payload)
            .where(
                RegistryFact.source == source,
                RegistryFact.kind == kind,
                RegistryFact.superseded_at.is_(None),
            )
            .order_by(RegistryFact.person_id, RegistryFact.fact_key)
        ):
            out[pid].append(dict(payload))
    return out


def _codes(factory: sessionmaker[Session]) -> dict[int, str]:
    with factory() as s:
        return dict(s.execute(select(Person.id, Person.person_code)).tuples().all())


def _quarantined(factory: sessionmaker[Session], after_id: int = 0) -> list[Quarantine]:
    with factory() as s:
        return list(s.scalars(select(Quarantine).where(Quarantine.id > after_id)))


def _touched(before: dict[int, set[FactRow]], after: dict[int, set[FactRow]]) -> set[int]:
    """Persons with a fact row added or superseded between the two snapshots."""
    return {pid for pid in set(before) | set(after) if before.get(pid, set()) != after.get(pid)}


def _edit(rows: list[dict[str, Any]], index: int, **change: Any) -> list[dict[str, Any]]:
    out = [dict(r) for r in rows]
    out[index].update(change)
    return out


def _check_quarantine(
    rows: list[Quarantine], bad: dict[tuple[str, int], tuple[Any, str, Any]], codes: dict[int, str]
) -> None:
    """One open row per bad person, naming the field; no code, no offending value in clear."""
    assert len(rows) == len(bad), [(r.service, r.reason) for r in rows]
    for (service, pid), (_, field, value) in bad.items():
        [row] = [r for r in rows if r.service == service and r.record_ref == mask(codes[pid])]
        assert row.status == "OPEN"
        assert field in row.reason, (field, row.reason)
        assert codes[pid] not in row.reason and str(value) not in row.reason, row.reason


@pytest.mark.postgres
def test_bad_registry_records_are_quarantined_never_half_written(
    config: Path, registry_mock: MockHandle
) -> None:
    today = date.fromisoformat(registry_mock.admin_get("clock")["today"])

    def sync(day: date) -> tuple[dict[str, Any], dict[str, Any]]:
        income = sync_income(config_path=str(config), as_of=day.isoformat(), full=True)
        employment = sync_employment(config_path=str(config), as_of=day.isoformat(), full=True)
        assert income["failures"] == [] and employment["failures"] == []
        return income, employment

    first = sync(today)
    assert first[0]["quarantined"] == first[1]["quarantined"] == 0
    factory = _factory(config)
    codes = _codes(factory)
    payments = _payloads(factory, "VSAA", "PAYMENT")
    income = _payloads(factory, "VID", "INCOME")
    jobs = _payloads(factory, "VID", "EMPLOYMENT")
    registrations = _payloads(factory, "NVA", "REGISTRATION")
    rural = _payloads(factory, "LAD", "RURAL_PAYMENT")
    maintenance = _payloads(factory, "UGFA", "MAINTENANCE")
    chosen: list[int] = []

    def pick(candidates: Any) -> int:
        pid = next(p for p in sorted(candidates) if p not in chosen)
        chosen.append(pid)
        return pid

    amount = pick(p for p, rows in payments.items() if len(rows) >= 2)
    month, cash, start, since = pick(payments), pick(income), pick(jobs), pick(registrations)
    farmer, child = (
        pick(p for p, r in rural.items() if r),
        pick(p for p, r in maintenance.items() if r),
    )
    # (service, person) → (the answer's overridden fields, the field to be named, the bad value)
    bad: dict[tuple[str, int], tuple[Any, str, Any]] = {
        ("vsaa", amount): ({"payments": _edit(payments[amount], 1, grossAmount="12.345")},
                           "grossAmount", "12.345"),
        ("vsaa", month): ({"payments": _edit(payments[month], 0, month="2026-13")},
                          "month", "2026-13"),
        ("vid", cash): ({"income": _edit(income[cash], 0, netAmount=12.5)}, "netAmount", 12.5),
        ("vid", start): ({"employments": _edit(jobs[start], 0, startDate="2026-02-30")},
                         "startDate", "2026-02-30"),
        ("nva", since): ({"registration": {"kind": "UNEMPLOYED", "since": "0000-01-01"}},
                         "since", "0000-01-01"),
        ("lad", farmer): ({"payments": _edit(rural[farmer], 0, campaignYear="2025")},
                          "campaignYear", "2025"),
        ("ugfa", child): ({"payments": _edit(maintenance[child], 0,
                                             recipientPersonCode="１２３４５６７８９０１")},
                          "recipientPersonCode", "１２３４５６７８９０１"),
    }  # fmt: skip
    before = {src: _facts(factory, src) for src in ("VSAA", "VID", "NVA", "LAD", "UGFA")}

    registry_mock.set_today(today + timedelta(days=35))  # new months for nearly everyone
    for service in ("vsaa", "vid", "nva", "lad", "ugfa"):
        records = {codes[pid]: rec for (svc, pid), (rec, _, _) in bad.items() if svc == service}
        registry_mock.add_fault(service=service, kind="record", records=records)
    second = sync(today + timedelta(days=35))
    assert (second[0]["quarantined"], second[1]["quarantined"]) == (6, 1)
    _check_quarantine(_quarantined(factory), bad, codes)
    middle = {src: _facts(factory, src) for src in ("VSAA", "VID", "NVA", "LAD", "UGFA")}
    for service, pid in bad:  # never half-written: not one row of the bad answer stored
        src = service.upper()
        assert middle[src][pid] == before[src][pid], (service, mask(codes[pid]))
    others = _touched(before["VSAA"], middle["VSAA"]) | _touched(before["VID"], middle["VID"])
    assert len(others - set(chosen)) >= 10, "the clock move changed no one else"

    # everyone else was synced in that run: without the fault only the bad persons change
    registry_mock.clear_faults()
    third = sync(today + timedelta(days=35))
    assert third[0]["quarantined"] == third[1]["quarantined"] == 0
    after = {src: _facts(factory, src) for src in ("VSAA", "VID", "NVA", "LAD", "UGFA")}
    touched = set().union(*(_touched(middle[src], after[src]) for src in after))
    assert touched <= set(chosen), [mask(codes[p]) for p in touched - set(chosen)]


def test_bad_population_records_are_quarantined_never_half_written(
    config: Path, registry_mock: MockHandle
) -> None:
    first = sync_population(config_path=str(config))
    assert first["failures"] == [] and first["quarantined"] == 0
    factory = _factory(config)
    codes = _codes(factory)

    def snapshot() -> dict[int, dict[str, Any]]:
        """Every column of every person row."""
        with factory() as s:
            return {p.id: {c.key: getattr(p, c.key) for c in Person.__table__.columns}
                    for p in s.scalars(select(Person))}  # fmt: skip

    persons_before, facts_before = snapshot(), _facts(factory, "PMLP")
    found = sorted(p for p, row in persons_before.items() if row["lookup_result"] == "FOUND")
    old_format = next(p for p in found if not is_new_format(codes[p]))
    no_birth = next(p for p in found if p != old_format)
    code = codes[old_format]
    wrong = code[:10] + str((int(code[10]) + 1) % 10)
    assert invalid_reason(wrong) == "check digit does not match"
    born = persons_before[no_birth]["birth_date"].isoformat()
    bad = {  # the field named: the column, or the row rule about it
        ("pmlp", old_format): ({"personCode": wrong}, "personCode", wrong),
        ("pmlp", no_birth): ({"birthDate": None}, "birth_date", born),
    }

    registry_mock.advance(20, change_rate=0.02)
    registry_mock.add_fault(
        service="pmlp", operation="getPersons", kind="record",
        records={codes[pid]: rec for (_, pid), (rec, _, _) in bad.items()},
    )  # fmt: skip
    second = sync_population(config_path=str(config), full=True)
    assert second["failures"] == [] and second["quarantined"] == 2
    _check_quarantine(_quarantined(factory), bad, codes)
    persons_after, facts_after = snapshot(), _facts(factory, "PMLP")
    for _, pid in bad:  # the snapshot row and every PMLP fact exactly as before
        assert persons_after[pid] == persons_before[pid]
        assert facts_after[pid] == facts_before[pid]
    for pid in set(found) - {old_format, no_birth}:  # everyone else fetched in that run
        now, then = persons_after[pid], persons_before[pid]
        assert now["population_fetched_at"] != then["population_fetched_at"], mask(codes[pid])

    # a value the XSD refuses spoils the whole answer: its batch is quarantined as a contract
    # error whose reason names the element, never the value or a code
    registry_mock.clear_faults()
    with factory() as s:
        last = s.scalar(select(func.max(Quarantine.id))) or 0
    victim = next(p for p in found if p not in (old_format, no_birth))
    registry_mock.add_fault(
        service="pmlp", operation="getPersons", kind="record",
        records={codes[victim]: {"birthDate": "1990-02-30"}},
    )  # fmt: skip
    third = sync_population(config_path=str(config), full=True)
    assert third["failures"] == [] and third["quarantined"] >= 1
    rows = _quarantined(factory, last)
    assert mask(codes[victim]) in {r.record_ref for r in rows}
    for row in rows:
        assert "does not match the XSD" in row.reason and "birthDate" in row.reason, row.reason
        assert "1990-02-30" not in row.reason and not any(c in row.reason for c in codes.values())
    assert snapshot()[victim] == persons_after[victim]
