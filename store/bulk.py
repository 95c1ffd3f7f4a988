"""Dialect-aware bulk statements: one ``INSERT … ON CONFLICT`` per chunk, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def _insert(session: Session, table: Any) -> Any:
    name = session.get_bind().dialect.name
    return (postgresql if name == "postgresql" else sqlite).insert(table)


def upsert(
    session: Session,
    table: Any,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    update: Sequence[str] | None = None,
) -> None:
    """Insert ``rows``; on a key conflict update ``update`` columns (or do nothing).

    Rows are de-duplicated by key first (last wins): PostgreSQL refuses a batch that holds the
    same key twice.
    """
    if not rows:
        return
    unique = list({tuple(r[k] for k in keys): r for r in rows}.values())
    stmt = _insert(session, table)
    if update:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in update}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    session.execute(stmt, unique)


def among(column: Any, ids: Sequence[int]) -> Any:
    """A condition that selects at least the rows of ``ids``: for a dense run of ids (a
    chunk of subjects) the range ``BETWEEN min AND max``, which binds two parameters instead
    of thousands; else ``IN``. The range may select rows of other ids: only for callers that
    keep just the ids they asked for."""
    if ids:
        low, high = min(ids), max(ids)
        if high - low < 2 * len(ids):
            return column.between(low, high)
    return column.in_(list(ids))
