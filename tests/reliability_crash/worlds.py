"""The worlds the crash tests start from (template stores, built once and cloned per case) and
the end state two runs are compared by: every table a flow writes, by natural keys, without
timestamps, run ids, receipts or generated ids, plus what the mock recipients and SPOLIS hold.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from tests.reliability_crash.conftest import PERSONS, SEED, Store, migrated
from tilts.mocks.harness import MockHandle
from tilts.mocks.world import enterprises
from tilts.mocks.world.population import Population
from tilts.shell.demo import seed_caseload, write_config
from tilts.store.db import transaction
from tilts.store.decisions import record_decisions
from tilts.store.models import (
    AuditLog,
    Decision,
    Household,
    HouseholdFlag,
    Monitoring,
    Municipality,
    Person,
    PersonCode,
    Quarantine,
    RegistryFact,
    SyncCursor,
)
from tilts.store.models_outbox import Notification
from tilts.store.models_spolis import SpolisBatch, SpolisLease, SpolisSubmission
from tilts.store.ops import ensure_municipality, now

OGRE, TUKUMS = "0040000", "0051000"
RECIPIENTS = ("nino", "jpa", "bvkb", "nva", "baris", "bridzis", "kim")
# run-specific cursors (a timestamp and the run key); the re-assessment's day is compared
RUN_CURSORS = ("reassess.last_run", "reassess.last_run_key")
CRAFTED = ("craft", "later")  # run ids of the facts the templates write directly


# --- templates --------------------------------------------------------------------------------


def sync_template(db: Path, mock: MockHandle) -> None:
    """Both demo municipalities, 4 households each with an open case (13 + 7 persons): the
    sample's first three and the first after them with a member holding an enterprise role, so
    that UR (one person per GET, most persons 404) has records in each municipality."""
    config = db.with_suffix(".toml")
    write_config(config, mock.base_url, migrated(db))
    population = Population(SEED, PERSONS, today=mock.config.today)
    sample = {atvk: _with_roles(population, mock.sample(atvk, 120)) for atvk in (OGRE, TUKUMS)}
    seed_caseload(config, sample, households=4)


def _with_roles(population: Population, sample: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The persons of the sample's first three households and of the first later one in which
    someone holds a role in an enterprise (``mocks/world/enterprises.py``), in that order."""
    households: dict[str, list[dict[str, Any]]] = {}
    for person in sample:
        households.setdefault(str(person["householdId"]), []).append(person)
    groups = list(households.values())

    def holds_roles(members: list[dict[str, Any]]) -> bool:
        slots = (population.resolve(p["personCode"]) for p in members)
        return any(s is not None and enterprises.roles(population, s) for s in slots)

    chosen = [*groups[:3], next(g for g in groups[3:] if holds_roles(g))]
    return [p for members in chosen for p in members]


def sync_config(path: Path, url: str, mock: MockHandle) -> None:
    write_config(path, mock.base_url, url)


def notify_template(db: Path, mock: MockHandle) -> None:
    """Ogre's households with case roles; every household granted a status, every other one
    extended later and every third one revoked: streams of one to three notifications."""
    from tests.outbox.conftest import build_world, granted, revoked

    population = Population(SEED, PERSONS, today=mock.config.today)
    (db.parent / "notify-build").mkdir()
    world = build_world(db.parent / "notify-build", migrated(db), mock, population, households=6)
    first, second = [], []
    for n, hid in enumerate(world.households):
        first.append(granted(hid, f"{hid}-1"))
        if n % 2 == 0:
            second.append(granted(hid, f"{hid}-2", decided=date(2027, 3, 20),
                                  valid=(date(2027, 4, 1), date(2027, 9, 30))))  # fmt: skip
        if n % 3 == 0:
            second.append(revoked(hid, f"{hid}-R", f"{hid}-1", date(2026, 12, 1)))
    world.record(first)
    world.record(second)
    world.engine.dispose()


def notify_config(path: Path, url: str, mock: MockHandle) -> None:
    from tests.outbox.conftest import RECIPIENTS as RULES
    from tests.outbox.conftest import write_config as outbox_config

    outbox_config(path, mock.base_url, url, RULES)


def spolis_template(db: Path, mock: MockHandle) -> None:
    """The crafted SPOLIS world of ``tests/spolis`` (15 decision records, 3 payments)."""
    from tests.spolis.conftest import craft

    store = Store(migrated(db))
    craft(store.factory)
    store.close()


def spolis_config(path: Path, url: str, mock: MockHandle) -> None:
    """Small batches, so that a run sends several (4 of decisions, 2 of payments)."""
    write_config(path, mock.base_url, url)
    with path.open("a", encoding="utf-8") as f:
        f.write("\n[gateway.services.spolis]\nbatch_size = 4\n"
                "\n[gateway.services.spolis_payments]\nbatch_size = 2\n")  # fmt: skip


def reassess_template(db: Path, mock: MockHandle) -> None:
    """The crafted households of ``tests/assessment_flow`` with their decisions (8 hold a
    valid status, 6 of them earn a flag)."""
    from tests.assessment_flow.conftest import craft
    from tests.assessment_flow.test_reassess import HOUSEHOLDS, _decisions

    store = Store(migrated(db))
    ids = craft(store.factory, HOUSEHOLDS)
    with transaction(store.factory) as s:
        mid = ensure_municipality(s, OGRE, "Ogres novads")
        record_decisions(s, mid, _decisions(ids), now() - timedelta(hours=1))
    store.close()


def release_leases(store: Store) -> None:
    """What 30 minutes do to a dead run's SPOLIS lease: it runs out."""
    with transaction(store.factory) as s:
        s.execute(update(SpolisLease).values(expires_at=now() - timedelta(seconds=1)))


# --- the end state ----------------------------------------------------------------------------


def _rows(store: Store, stmt: Any) -> list[tuple[Any, ...]]:
    with store.factory() as s:
        return sorted((tuple(r) for r in s.execute(stmt).all()), key=repr)


def store_state(store: Store) -> dict[str, Any]:
    """Everything the flows write, by natural keys."""
    code = Person.person_code
    muni = select(Municipality.atvk).where(Municipality.id == SyncCursor.municipality_id)
    hh = Household.external_id
    return {
        "persons": _rows(store, select(code, Person.lookup_result, Person.birth_date,
                                       Person.death_date, Person.address_atvk,
                                       Person.register_status)),
        "codes": _rows(store, select(PersonCode.code, PersonCode.is_current)),
        "facts": _rows(store, select(code, RegistryFact.source, RegistryFact.kind,
                                     RegistryFact.fact_key, RegistryFact.content_hash,
                                     RegistryFact.valid_from, RegistryFact.valid_to,
                                     RegistryFact.period)
                       .join(Person, Person.id == RegistryFact.person_id)
                       .where(RegistryFact.superseded_at.is_(None))),
        "fact_versions": _rows(store, select(RegistryFact.source, func.count())
                               .group_by(RegistryFact.source)),
        "cursors": _rows(store, select(muni.scalar_subquery(), SyncCursor.service,
                                       SyncCursor.cursor)
                         .where(SyncCursor.service.not_in(RUN_CURSORS))),
        "monitoring": _rows(store, select(Monitoring.municipality_id, Monitoring.person_code)),
        "quarantine": _rows(store, select(Quarantine.service, Quarantine.record_kind,
                                          Quarantine.record_ref, Quarantine.reason,
                                          Quarantine.status)),
        "flags": _rows(store, select(hh, Decision.record_id, HouseholdFlag.reason,
                                     HouseholdFlag.detail, HouseholdFlag.status)
                       .join(Household, Household.id == HouseholdFlag.household_id)
                       .join(Decision, Decision.id == HouseholdFlag.decision_id)),
        "notifications": [
            (*row[:-1], {k: v for k, v in row[-1].items() if k != "notificationId"})
            for row in _rows(store, select(hh, Notification.recipient, Notification.sequence,
                                           Notification.event, Notification.status,
                                           Notification.state,
                                           Notification.receipt_id.is_not(None),
                                           Notification.payload)
                             .join(Household, Household.id == Notification.household_id))
        ],
        "spolis": _rows(store, select(SpolisSubmission.kind, SpolisSubmission.record_id,
                                      SpolisSubmission.version, SpolisSubmission.content_hash,
                                      SpolisSubmission.state, SpolisSubmission.errors,
                                      SpolisSubmission.receipt_id.is_not(None))),
    }  # fmt: skip


def mock_state(mock: MockHandle) -> dict[str, Any]:
    """What the recipients and SPOLIS hold (receipts, batch ids and times left out)."""
    received = {
        r: sorted(
            (n["sequence"], n["event"], n["status"], n["applied"], repr(n["persons"]))
            for n in mock.admin_get(f"recipients/{r}")["notifications"]
        )
        for r in RECIPIENTS
    }
    spolis = {
        kind: sorted(
            (r["atvk"], r["recordId"], r["version"], r["versions"], repr(r["record"]))
            for r in mock.admin_get(f"spolis/{kind}")["records"]
        )
        for kind in ("decisions", "payments")
    }
    return {"received": received, "spolis": spolis}


def end_state(store: Store, mock: MockHandle) -> dict[str, Any]:
    return {"store": store_state(store), "mock": mock_state(mock)}


def _counts(session: Any, stmt: Any) -> Counter[str]:
    return Counter({str(k): int(v) for k, v in session.execute(stmt).tuples().all()})


def assert_committed_answers_audited(store: Store) -> None:
    """Whatever a run committed from remote answers has the audit rows of those calls: a crash
    may lose a call in flight, never the audit of a call whose answer is in the store. A chunk
    stamps its rows with one time, so distinct times count the chunks committed (each one
    call here: the batches are larger than the chunks)."""
    ok = AuditLog.http_status < 300
    with store.factory() as s:
        audited = _counts(
            s, select(AuditLog.operation, func.count()).where(ok).group_by(AuditLog.operation)
        )
        by_service = _counts(
            s, select(AuditLog.service, func.count()).where(ok).group_by(AuditLog.service)
        )
        chunks = _counts(
            s,
            select(RegistryFact.source, func.count(func.distinct(RegistryFact.fetched_at)))
            .where(RegistryFact.run_id.not_in(CRAFTED))
            .group_by(RegistryFact.source),
        )
        chunks["getPersons"] = s.scalar(
            select(func.count(func.distinct(Person.population_fetched_at)))
        )
        monitored = s.scalar(select(func.count(func.distinct(Monitoring.registered_at))))
        delivered = _counts(
            s,
            select(Notification.recipient, func.count())
            .where(Notification.state == "DELIVERED")
            .group_by(Notification.recipient),
        )
        answered = s.scalar(
            select(func.count()).select_from(SpolisBatch).where(SpolisBatch.state == "ANSWERED")
        )
    pmlp = chunks.pop("getPersons") or 0
    chunks.pop("PMLP", None)  # PMLP facts are counted by the persons' fetch time
    assert audited["getPersons"] >= pmlp, ("getPersons", audited["getPersons"], pmlp)
    assert audited["registerMonitoring"] >= (monitored or 0), ("registerMonitoring", audited)
    for source, n in chunks.items():
        assert by_service[source.lower()] >= n, (source, by_service[source.lower()], n)
    for recipient, n in delivered.items():
        assert by_service[f"recipient-{recipient}"] >= n, (recipient, by_service, n)
    assert by_service["spolis"] >= (answered or 0), ("spolis", by_service["spolis"], answered)


def differences(got: dict[str, Any], expected: dict[str, Any]) -> str:
    """Per part of the state, what only one side holds (a few items each), for the message."""
    lines = []
    for side in ("store", "mock"):
        for key, want in expected[side].items():
            have = got[side][key]
            if have != want:
                flat = isinstance(want, list)
                extra = [x for x in have if x not in want] if flat else have
                missing = [x for x in want if x not in have] if flat else want
                lines.append(f"{side}.{key}: extra {extra[:3]!r} missing {missing[:3]!r}")
    return "\n".join(lines)


def assert_nothing_twice(store: Store, mock: MockHandle) -> None:
    """Every notification reached its recipient once, under the receipt the store kept; every
    SPOLIS record was processed once per version and every batch once at SPOLIS."""
    with store.factory() as s:
        delivered = {
            (n.recipient, n.notification_id): n.receipt_id
            for n in s.scalars(select(Notification).where(Notification.state == "DELIVERED"))
        }
        ledger = {
            (r.kind, r.record_id): r.receipt_id
            for r in s.scalars(select(SpolisSubmission).where(SpolisSubmission.state == "ACCEPTED"))
        }
        batches = s.scalar(
            select(func.count()).select_from(SpolisBatch).where(SpolisBatch.state == "ANSWERED")
        )
    for r in RECIPIENTS:
        got = mock.admin_get(f"recipients/{r}")["notifications"]
        ids = [n["notificationId"] for n in got]
        assert len(ids) == len(set(ids)), f"{r} received a notification twice"
        mine = {nid: receipt for (rec, nid), receipt in delivered.items() if rec == r}
        assert {n["notificationId"]: n["receiptId"] for n in got} == mine, r
        oks = Counter(e["outcome"] for e in mock.journal(service=f"recipient-{r}"))
        assert oks["OK"] == len(ids), (r, oks)  # a re-send is answered REPLAYED, never OK twice
    at_spolis: dict[tuple[str, str], str] = {}
    for kind in ("decisions", "payments"):
        for rec in mock.admin_get(f"spolis/{kind}")["records"]:
            assert rec["versions"] == sorted(set(rec["versions"])), rec["recordId"]
            at_spolis[(kind[:-1].upper(), rec["recordId"])] = rec["receiptId"]
    assert at_spolis == ledger
    assert len(mock.admin_get("spolis/batches")["batches"]) == batches
