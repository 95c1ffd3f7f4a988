"""Persons, code history and the population register's facts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, select, update
from sqlalchemy.orm import Session

from tilts.registries.pmlp import PMLP
from tilts.store.bulk import among, insert_rows, update_rows, upsert
from tilts.store.facts import Fact, replace_facts
from tilts.store.models import Case, HouseholdMember, Monitoring, Person, PersonCode

POPULATION_KINDS = PMLP.kinds  # the facts a PMLP record states (registries/pmlp.py)
# the person's columns a FOUND record sets (apply_population)
_SNAPSHOT = (
    "given_name", "surname", "birth_date", "sex", "citizenship", "register_status", "death_date",
    "address_code", "address_atvk", "lookup_result", "population_fetched_at", "updated_at",
)  # fmt: skip


# one statement for every call: the codes bound at execution, not each coerced into the
# statement (~5 µs a code, issue 17)
_CODES = select(PersonCode.code, PersonCode.person_id).where(
    PersonCode.code.in_(bindparam("codes", expanding=True))
)


def resolve_codes(session: Session, codes: Sequence[str]) -> dict[str, int]:
    """Map any code a person has had (current or previous) to the person's id."""
    if not codes:
        return {}
    # Core rows: no ORM processing per row
    rows = session.connection().execute(_CODES, {"codes": list(codes)})
    return {code: pid for code, pid in rows}


def codes_of(session: Session, person_ids: Sequence[int]) -> dict[int, str]:
    """Current code of each person id."""
    if not person_ids:
        return {}
    wanted = set(person_ids)
    rows = session.connection().execute(  # Core rows: no ORM processing per row
        select(Person.id, Person.person_code).where(among(Person.id, person_ids))
    )
    return {pid: code for pid, code in rows if pid in wanted}


def ensure_persons(session: Session, codes: Sequence[str], now: datetime) -> dict[str, int]:
    """Ids for ``codes``, creating persons (and their code rows) that do not exist yet."""
    known = resolve_codes(session, codes)
    missing = [c for c in dict.fromkeys(codes) if c not in known]
    if missing:
        upsert(
            session,
            Person.__table__,
            [{"person_code": c, "updated_at": now} for c in missing],
            ["person_code"],
        )
        created: dict[str, int] = dict(
            session.execute(
                select(Person.person_code, Person.id).where(Person.person_code.in_(missing))
            )
            .tuples()
            .all()
        )
        upsert(
            session,
            PersonCode.__table__,
            [
                {"code": c, "person_id": created[c], "is_current": True, "recorded_at": now}
                for c in missing
            ],
            ["code"],
        )
        known.update(created)
    return known


def open_case_subjects_query(municipality_id: int) -> Select[tuple[int]]:
    """Ids of the persons in households with an open case (a subquery)."""
    return (
        select(HouseholdMember.person_id)
        .join(Case, Case.household_id == HouseholdMember.household_id)
        .where(
            Case.municipality_id == municipality_id,
            Case.status == "OPEN",
            HouseholdMember.member_to.is_(None),
        )
    )


def open_case_subjects(
    session: Session,
    municipality_id: int,
    after_id: int = 0,
    limit: int | None = 5000,
    upto_id: int | None = None,
) -> list[int]:
    """Ids of persons in households with an open case, in id order, ``after_id < id <= upto_id``."""
    stmt = (
        open_case_subjects_query(municipality_id)
        .where(HouseholdMember.person_id > after_id)
        .distinct()
        .order_by(HouseholdMember.person_id)
    )
    if upto_id is not None:
        stmt = stmt.where(HouseholdMember.person_id <= upto_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.connection().execute(stmt).scalars())


def unmonitored_subjects(
    session: Session, municipality_id: int, after_id: int = 0, limit: int = 5000
) -> list[int]:
    """Open-case subjects after ``after_id`` not registered for PMLP monitoring by the
    municipality, in id order: the database answers the test (one probe of the monitoring
    index per subject), so a night with nothing new to register reads no rows."""
    registered = (
        select(Monitoring.person_id)
        .where(
            Monitoring.municipality_id == municipality_id,
            Monitoring.person_id == HouseholdMember.person_id,
        )
        .exists()
    )
    stmt = (
        open_case_subjects_query(municipality_id)
        .where(HouseholdMember.person_id > after_id, ~registered)
        .distinct()
        .order_by(HouseholdMember.person_id)
        .limit(limit)
    )
    return list(session.connection().execute(stmt).scalars())


def add_monitoring(
    session: Session, municipality_id: int, registered: dict[str, int], at: datetime
) -> None:
    """Remember that PMLP monitors ``registered`` (code → person id) for the municipality."""
    rows = [(municipality_id, code, pid, at) for code, pid in registered.items()]
    cols = ("municipality_id", "person_code", "person_id", "registered_at")
    insert_rows(session, cast(Table, Monitoring.__table__), cols, rows)


def iter_open_case_subjects(
    session: Session, municipality_id: int, page: int = 5000
) -> Iterator[list[int]]:
    """Pages of subject ids (keyset pagination: memory stays flat as the caseload grows)."""
    after = 0
    while True:
        ids = open_case_subjects(session, municipality_id, after, page)
        if not ids:
            return
        yield ids
        after = ids[-1]


def subject_spans(session: Session, municipality_id: int, size: int) -> list[tuple[int, int, int]]:
    """``(after, upto, count)`` id spans of at most ``size`` open-case subjects each."""
    spans: list[tuple[int, int, int]] = []
    after = 0
    for page in iter_open_case_subjects(session, municipality_id, size):
        spans.append((after, page[-1], len(page)))
        after = page[-1]
    return spans


@dataclass
class PopulationOutcome:
    """Figures of applying one chunk of PMLP answers."""

    found: int = 0
    not_found: int = 0
    invalid: int = 0
    rekeyed: int = 0
    changed: int = 0
    deaths: int = 0
    moved_out: int = 0
    quarantined: list[tuple[dict[str, Any], str]] = field(default_factory=list)


def _d(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def population_facts(pid: int, rec: dict[str, Any]) -> list[Fact]:
    """The facts one FOUND PMLP record states about a person."""
    facts = [
        Fact(
            pid,
            "BASIC",
            "basic",
            {
                k: rec.get(k)
                for k in (
                    "givenName",
                    "surname",
                    "birthDate",
                    "sex",
                    "citizenship",
                    "registerStatus",
                )
            },
        )
    ]
    addr = rec.get("address")
    if addr:
        facts.append(
            Fact(pid, "ADDRESS", "declared", dict(addr), valid_from=_d(addr.get("validFrom")))
        )
    if rec.get("deathDate"):
        facts.append(
            Fact(
                pid,
                "DEATH",
                "death",
                {"deathDate": rec["deathDate"]},
                valid_from=_d(rec["deathDate"]),
            )
        )
    for rel in rec.get("relations") or []:
        facts.append(
            Fact(
                pid,
                "RELATION",
                f"{rel['kind']}:{rel['personCode']}:{rel.get('validFrom')}",
                dict(rel),
                valid_from=_d(rel.get("validFrom")),
                valid_to=_d(rel.get("validTo")),
            )
        )
    return facts


def apply_population(
    session: Session,
    records: Sequence[dict[str, Any]],
    municipality_atvk: str,
    fetched_at: datetime,
    run_id: str | None,
) -> PopulationOutcome:
    """Store one chunk of validated PMLP records: re-key, snapshot, facts. Bulk statements."""
    out = PopulationOutcome()
    ids = resolve_codes(session, [r["requestedCode"] for r in records])
    found: list[tuple[int, dict[str, Any]]] = []
    lookups: list[tuple[Any, ...]] = []
    for rec in records:
        pid = ids.get(rec["requestedCode"])
        if pid is None:
            out.quarantined.append((rec, "answer for a code the store does not know"))
            continue
        if rec["result"] != "FOUND":
            out.not_found += rec["result"] == "NOT_FOUND"
            out.invalid += rec["result"] == "INVALID_CODE"
            lookups.append((rec["result"], fetched_at, pid))
            continue
        found.append((pid, rec))
    out.found = len(found)
    _rekey(session, found, fetched_at, out)
    spoiled = {id(rec) for rec, _ in out.quarantined}  # the records _rekey quarantined
    found = [(pid, rec) for pid, rec in found if id(rec) not in spoiled]
    snapshots: list[tuple[Any, ...]] = []
    for pid, rec in found:
        addr = rec.get("address") or {}
        snapshots.append(
            (rec.get("givenName"), rec.get("surname"), _d(rec.get("birthDate")), rec.get("sex"),
             rec.get("citizenship"), rec.get("registerStatus"), _d(rec.get("deathDate")),
             addr.get("addressCode"), addr.get("atvk"), "FOUND", fetched_at, fetched_at, pid)
        )  # fmt: skip
        out.deaths += bool(rec.get("deathDate"))
        out.moved_out += bool(addr) and addr.get("atvk") != municipality_atvk
    t = cast(Table, Person.__table__)
    update_rows(session, t, "id", _SNAPSHOT, snapshots)
    update_rows(session, t, "id", ("lookup_result", "population_fetched_at"), lookups)
    facts = [f for pid, rec in found for f in population_facts(pid, rec)]
    changes = replace_facts(
        session, PMLP.source, [pid for pid, _ in found], POPULATION_KINDS, facts, fetched_at, run_id
    )
    out.changed = len(changes.changed_persons or ())
    return out


def _rekey(
    session: Session, found: list[tuple[int, dict[str, Any]]], now: datetime, out: PopulationOutcome
) -> None:
    """A code change re-keys the person (registries.md §1.3), never makes a second one."""
    current = codes_of(session, [pid for pid, _ in found])
    moves = [
        (pid, rec)
        for pid, rec in found
        if rec.get("personCode") and rec["personCode"] != current.get(pid)
    ]
    if not moves:
        return
    owners = resolve_codes(session, [rec["personCode"] for _, rec in moves])
    for pid, rec in moves:
        new = rec["personCode"]
        owner = owners.get(new)
        if owner is not None and owner != pid:
            out.quarantined.append((rec, "code change collides with another person in the store"))
            continue
        session.execute(
            update(PersonCode).where(PersonCode.person_id == pid).values(is_current=False)
        )
        upsert(
            session,
            PersonCode.__table__,
            [{"code": new, "person_id": pid, "is_current": True, "recorded_at": now}],
            ["code"],
            ["is_current"],
        )
        for prev in rec.get("previousPersonCodes") or []:
            upsert(
                session,
                PersonCode.__table__,
                [{"code": prev, "person_id": pid, "is_current": False, "recorded_at": now}],
                ["code"],
            )
        session.execute(
            update(Person).where(Person.id == pid).values(person_code=new, updated_at=now)
        )
        out.rekeyed += 1
