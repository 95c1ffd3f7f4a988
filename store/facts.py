"""Registry facts: append-and-supersede, so "what did we know on day D" has an answer.

A fetch brings the complete set of one source's facts of some kinds for some persons (and,
for monthly sources, some months). Facts whose content did not change are left alone; a
changed fact closes the old row (``superseded_at``) and adds a new one; a fact that is no
longer reported is closed. Every step is one bulk statement per chunk.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from typing import cast as typing_cast

from sqlalchemy import JSON, Insert, Table, Text, and_, bindparam, cast, or_, select, update
from sqlalchemy.orm import Session

from tilts.schemas.facts import Fact
from tilts.store.bulk import among
from tilts.store.models import RegistryFact

__all__ = ["Fact", "FactChanges", "content_hash", "encode", "replace_facts"]


def encode(payload: dict[str, Any]) -> tuple[str, str]:
    """A fact's content as stored (canonical JSON) and its stable hash, from one encoding."""
    raw = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return raw, hashlib.md5(raw.encode(), usedforsecurity=False).hexdigest()


def content_hash(payload: dict[str, Any]) -> str:
    """Stable hash of a fact's content."""
    return encode(payload)[1]


def _insert(session: Session) -> Insert:
    """The facts' bulk insert taking the payload already encoded (the JSON type would encode
    it a second time, row by row: measured as a sixth of a chunk's store time)."""
    encoded = bindparam("payload_json", type_=Text())
    payload = encoded if session.get_bind().dialect.name == "sqlite" else cast(encoded, JSON)
    return typing_cast(Table, RegistryFact.__table__).insert().values(payload=payload)


@dataclass
class FactChanges:
    """What one :func:`replace_facts` call did."""

    inserted: int = 0
    superseded: int = 0
    changed_persons: set[int] | None = None


def replace_facts(
    session: Session,
    source: str,
    person_ids: Sequence[int],
    kinds: Sequence[str],
    facts: Iterable[Fact],
    fetched_at: datetime,
    run_id: str | None,
    periods: Sequence[str] | None = None,
) -> FactChanges:
    """Make ``facts`` the current facts of ``source``/``kinds`` for ``person_ids``.

    Args:
        periods: for monthly sources, only current facts in these months are replaced;
            facts of other months stay as they are.
    """
    result = FactChanges(changed_persons=set())
    if not person_ids:
        return result
    t = typing_cast(Table, RegistryFact.__table__)
    wanted = set(person_ids)
    cond = [
        among(t.c.person_id, person_ids),  # a range for a chunk's dense ids: filtered below
        t.c.source == source,
        t.c.kind.in_(list(kinds)),
        t.c.superseded_at.is_(None),
    ]
    if periods is not None:
        cond.append(or_(t.c.period.in_(list(periods)), t.c.period.is_(None)))
    current = {
        (row.person_id, row.kind, row.fact_key): (row.id, row.content_hash)
        for row in session.execute(
            select(t.c.id, t.c.person_id, t.c.kind, t.c.fact_key, t.c.content_hash).where(
                and_(*cond)
            )
        )
        if row.person_id in wanted
    }
    inserts: list[dict[str, Any]] = []
    keep: set[tuple[int, str, str]] = set()
    for fact in facts:
        ident = (fact.person_id, fact.kind, fact.key)
        if ident in keep:
            continue  # the same fact twice in one answer: first wins
        keep.add(ident)
        raw, digest = encode(fact.payload)
        existing = current.get(ident)
        if existing is not None and existing[1] == digest:
            continue
        inserts.append(
            {
                "person_id": fact.person_id,
                "source": source,
                "kind": fact.kind,
                "fact_key": fact.key,
                "valid_from": fact.valid_from,
                "valid_to": fact.valid_to,
                "period": fact.period,
                "payload_json": raw,
                "content_hash": digest,
                "fetched_at": fetched_at,
                "superseded_at": None,
                "run_id": run_id,
            }
        )
        result.changed_persons.add(fact.person_id)  # type: ignore[union-attr]
    # a fact is stale when it is no longer reported or when a new version replaces it
    replaced = {(i["person_id"], i["kind"], i["fact_key"]) for i in inserts}
    stale = [
        {"fid": fid}
        for ident, (fid, _) in current.items()
        if ident not in keep or ident in replaced
    ]
    for ident in current:
        if ident not in keep:
            result.changed_persons.add(ident[0])  # type: ignore[union-attr]
    if stale:
        session.execute(
            update(t).where(t.c.id == bindparam("fid")).values(superseded_at=fetched_at),
            stale,
            execution_options={"synchronize_session": False},
        )
    if inserts:
        session.execute(_insert(session), inserts)
    result.inserted = len(inserts)
    result.superseded = len(stale)
    return result


def facts_as_of(
    session: Session, person_id: int, source: str, day: datetime, kind: str | None = None
) -> list[RegistryFact]:
    """The facts of ``source`` we held for a person at ``day`` (known then, not yet superseded)."""
    t = RegistryFact
    stmt = select(t).where(
        t.person_id == person_id,
        t.source == source,
        t.fetched_at <= day,
        or_(t.superseded_at.is_(None), t.superseded_at > day),
    )
    if kind is not None:
        stmt = stmt.where(t.kind == kind)
    return list(session.scalars(stmt.order_by(t.kind, t.fact_key)))
