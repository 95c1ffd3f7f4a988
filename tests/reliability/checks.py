"""What a fault left behind: every record synced or quarantined with its reason (or waiting
with one), the quarantine a fault caused, no duplicate rows."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from tests.reliability_crash.conftest import Store
from tilts.store.models import Person, PersonCode, Quarantine, RegistryFact
from tilts.store.models_outbox import Notification
from tilts.store.models_spolis import SpolisBatch, SpolisSubmission


def person_records(store: Store) -> dict[int, list[tuple[Any, ...]]]:
    """Each person's row and current facts, by internal id (the same in every clone)."""
    out: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    with store.factory() as s:
        for pid, *row in s.execute(
            select(Person.id, Person.person_code, Person.lookup_result, Person.birth_date,
                   Person.death_date, Person.address_atvk, Person.register_status)
        ):  # fmt: skip
            out[pid].append(("person", *row))
        for pid, *row in s.execute(
            select(RegistryFact.person_id, RegistryFact.source, RegistryFact.kind,
                   RegistryFact.fact_key, RegistryFact.content_hash)
            .where(RegistryFact.superseded_at.is_(None))
        ):  # fmt: skip
            out[pid].append(("fact", *row))
    return {pid: sorted(rows, key=repr) for pid, rows in out.items()}


def open_quarantine(
    store: Store, statuses: tuple[str, ...] = ("OPEN",)
) -> list[tuple[str, str, str, str]]:
    """Quarantine rows (service, kind, ref, reason); ``statuses`` adds e.g. ``RESOLVED``, the
    rows a later run of the same phase fetched cleanly (store/quarantine.py)."""
    with store.factory() as s:
        rows = s.execute(
            select(Quarantine.service, Quarantine.record_kind, Quarantine.record_ref,
                   Quarantine.reason).where(Quarantine.status.in_(statuses))
        )  # fmt: skip
        return sorted((r[0], r[1], r[2], r[3]) for r in rows)


def quarantined_persons(store: Store, service: str) -> dict[int, str]:
    """Persons with an open quarantine row of ``service`` → its reason."""
    with store.factory() as s:
        found = s.execute(
            select(Quarantine.record, Quarantine.reason).where(
                Quarantine.status == "OPEN", Quarantine.service == service
            )
        ).all()
        codes = {
            str(rec.get("requestedCode") or rec.get("personCode")): reason for rec, reason in found
        }
        owners = s.execute(select(PersonCode.code, PersonCode.person_id).where(
            PersonCode.code.in_(list(codes))))  # fmt: skip
        return {pid: codes[code] for code, pid in owners}


def unaccounted_persons(
    store: Store, reference: dict[int, list[tuple[Any, ...]]], service: str
) -> list[int]:
    """Persons neither as the fault-free run left them nor quarantined with a reason."""
    mine = person_records(store)
    quarantined = quarantined_persons(store, service)
    assert all(quarantined.values()), "a quarantine row without its reason"
    differ = {p for p in mine.keys() | reference.keys() if mine.get(p) != reference.get(p)}
    return sorted(differ - quarantined.keys())


def unaccounted_notifications(store: Store) -> list[int]:
    """Notifications neither delivered nor waiting with a reason (or behind one that is)."""
    with store.factory() as s:
        rows = s.execute(
            select(Notification.id, Notification.household_id, Notification.recipient,
                   Notification.sequence, Notification.state, Notification.last_error)
            .order_by(Notification.sequence)
        ).all()  # fmt: skip
    held: set[tuple[int, str]] = set()
    out = []
    for nid, household, recipient, _, state, error in rows:
        stream = (household, recipient)
        if state == "DELIVERED" and stream not in held:
            continue
        if state in ("PENDING", "PARKED") and (error or stream in held):
            held.add(stream)
            continue
        out.append(nid)
    return out


def unaccounted_submissions(store: Store) -> list[str]:
    """SPOLIS records neither accepted, nor rejected with errors, nor in a batch still to be
    sent again (its answer never read)."""
    with store.factory() as s:
        rows = s.execute(
            select(SpolisSubmission.record_id, SpolisSubmission.state, SpolisSubmission.errors,
                   SpolisBatch.state).join(SpolisBatch, SpolisBatch.id == SpolisSubmission.batch_id)
        ).all()  # fmt: skip
    ok = {("ACCEPTED", "ANSWERED"), ("SENT", "PREPARED")}
    return [rid for rid, state, errors, batch in rows
            if (state, batch) not in ok and not (state == "REJECTED" and errors)]  # fmt: skip


def duplicate_rows(store: Store) -> dict[str, int]:
    """Rows that say the same thing twice: a current fact, a notification, a SPOLIS version."""
    with store.factory() as s:
        checks = {
            "facts": select(RegistryFact.person_id, RegistryFact.source, RegistryFact.kind,
                            RegistryFact.fact_key).where(RegistryFact.superseded_at.is_(None)),
            "notifications": select(Notification.household_id, Notification.recipient,
                                    Notification.decision_id, Notification.decision_version,
                                    Notification.event),
            "submissions": select(SpolisSubmission.kind, SpolisSubmission.record_id,
                                  SpolisSubmission.version),
            "persons": select(Person.person_code),
        }  # fmt: skip
        out = {}
        for name, stmt in checks.items():
            cols = stmt.subquery()
            twice = s.scalar(
                select(func.count()).select_from(
                    select(*cols.c).group_by(*cols.c).having(func.count() > 1).subquery()
                )
            )
            if twice:
                out[name] = int(twice or 0)
        return out
