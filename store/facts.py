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

from sqlalchemy import Table, and_, or_, select
from sqlalchemy.orm import Session

from tilts.schemas.facts import Fact
from tilts.store.bulk import among, insert_rows, update_rows
from tilts.store.models import RegistryFact

__all__ = ["Fact", "FactChanges", "content_hash", "encode", "replace_facts"]


# json.dumps(payload, sort_keys=True, default=str, separators=(",", ":")), without building
# an encoder for every fact
_CANONICAL = json.JSONEncoder(sort_keys=True, default=str, separators=(",", ":"))
_COLUMNS = (
    "person_id", "source", "kind", "fact_key", "valid_from", "valid_to", "period", "payload",
    "content_hash", "fetched_at", "superseded_at", "run_id",
)  # fmt: skip


def encode(payload: dict[str, Any]) -> tuple[str, str]:
    """A fact's content as stored (canonical JSON) and its stable hash, from one encoding."""
    raw = _CANONICAL.encode(payload)
    return raw, hashlib.md5(raw.encode(), usedforsecurity=False).hexdigest()


def content_hash(payload: dict[str, Any]) -> str:
    """Stable hash of a fact's content."""
    return encode(payload)[1]


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
    changed: set[int] = set()
    result = FactChanges(changed_persons=changed)
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
    # a Core read on the session's connection: plain rows, not ORM-processed ones
    current = {
        (pid, kind, key): (fid, digest)
        for fid, pid, kind, key, digest in session.connection().execute(
            select(t.c.id, t.c.person_id, t.c.kind, t.c.fact_key, t.c.content_hash).where(
                and_(*cond)
            )
        )
        if pid in wanted
    }
    inserts: list[tuple[Any, ...]] = []
    keep: set[tuple[int, str, str]] = set()
    replaced: set[tuple[int, str, str]] = set()
    for fact in facts:
        ident = (fact.person_id, fact.kind, fact.key)
        if ident in keep:
            continue  # the same fact twice in one answer: first wins
        keep.add(ident)
        raw, digest = encode(fact.payload)
        existing = current.get(ident)
        if existing is not None:
            if existing[1] == digest:
                continue
            replaced.add(ident)
        inserts.append(
            (fact.person_id, source, fact.kind, fact.key, fact.valid_from, fact.valid_to,
             fact.period, raw, digest, fetched_at, None, run_id)
        )  # fmt: skip
        changed.add(fact.person_id)
    # a fact is stale when it is no longer reported or when a new version replaces it
    stale = [fid for ident, (fid, _) in current.items() if ident not in keep or ident in replaced]
    for ident in current:
        if ident not in keep:
            changed.add(ident[0])
    update_rows(session, t, "id", ("superseded_at",), [(fetched_at, fid) for fid in stale])
    insert_rows(session, t, _COLUMNS, inserts, encoded=("payload",))
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
