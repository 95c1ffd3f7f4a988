"""Dialect-aware bulk statements, SQLite and PostgreSQL: one ``INSERT … ON CONFLICT`` per chunk,
and plain inserts and updates of many rows in one driver call.

Rows go to the driver as plain tuples, each value converted by its column type's own bind
processor (so SQLite stores dates and times as the same text SQLAlchemy writes), not through
SQLAlchemy's per-row parameter processing, which cost ~6 µs a row of a dozen columns, a fifth
of a night's CPU (issue 17; docs/decisions.md "Bulk statements with plain tuples"). Plain
inserts on PostgreSQL go through ``COPY``. A table with a Python-side default of a column the
rows leave out takes SQLAlchemy's path, which applies the default.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

Convert = tuple[int, Callable[[Any], Any]]
_UNSET = object()


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
    same key twice. Every row has the first row's columns.
    """
    if not rows:
        return
    unique = list({tuple(r[k] for k in keys): r for r in rows}.values())
    columns = list(unique[0])
    if _defaults_left_out(table, columns):
        stmt = _insert(session, table)
        if update:
            stmt = stmt.on_conflict_do_update(
                index_elements=list(keys), set_={c: stmt.excluded[c] for c in update}
            )
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
        session.execute(stmt, unique)
        return
    conn = session.connection()
    q = conn.dialect.identifier_preparer.quote
    conflict = f" ON CONFLICT ({', '.join(q(k) for k in keys)}) DO " + (
        "UPDATE SET " + ", ".join(f"{q(c)} = excluded.{q(c)}" for c in update)
        if update
        else "NOTHING"
    )
    sql = _insert_sql(conn.dialect, table, columns) + conflict
    ordered = [tuple(r[c] for c in columns) for r in unique]  # whatever order each dict has
    values = _converted(conn.dialect, table, columns, ordered, ())
    _executemany(conn, sql, values)


def insert_rows(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    encoded: Collection[str] = (),
) -> None:
    """Insert ``rows`` (tuples of ``columns``' values) into ``table`` in one driver call:
    ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

    ``encoded``: columns whose values are already the stored text (a payload the caller
    encoded as JSON once, for its hash too); their type's processor is not applied.
    """
    if not rows:
        return
    if _defaults_left_out(table, columns):
        raise ValueError(f"{table.name}: a column left out has a Python-side default")
    conn = session.connection()
    dialect = conn.dialect
    values = _converted(dialect, table, columns, rows, encoded)
    if dialect.name != "postgresql":
        _executemany(conn, _insert_sql(dialect, table, columns), values)
        return
    q = dialect.identifier_preparer.quote
    sql = f"COPY {_table_name(dialect, table)} ({', '.join(q(c) for c in columns)}) FROM STDIN"
    dbapi = conn.connection.dbapi_connection
    try:
        with dbapi.cursor() as cur, cur.copy(sql) as copy:  # type: ignore[union-attr]
            for row in values:
                copy.write_row(row)
    except dialect.loaded_dbapi.Error as exc:  # as SQLAlchemy raises it for any statement
        raise DBAPIError.instance(
            sql, None, exc, dialect.loaded_dbapi.Error, hide_parameters=True, dialect=dialect
        ) from exc


def update_rows(
    session: Session,
    table: Table,
    key: str,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
) -> None:
    """``UPDATE table SET columns WHERE key = …`` once per row, in one driver call; each row
    holds ``columns``' values and then the key's."""
    if not rows:
        return
    if any(c.onupdate is not None and c.key not in {*columns, key} for c in table.columns):
        raise ValueError(f"{table.name}: a column left out has a Python-side update value")
    conn = session.connection()
    dialect = conn.dialect
    q = dialect.identifier_preparer.quote
    marks = _marks(dialect, [*columns, key])
    sets = ", ".join(f"{q(c)} = {m}" for c, m in zip(columns, marks, strict=False))
    sql = f"UPDATE {_table_name(dialect, table)} SET {sets} WHERE {q(key)} = {marks[-1]}"
    _executemany(conn, sql, _converted(dialect, table, [*columns, key], rows, ()))


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


# --- plain tuples to the driver ------------------------------------------------------------


def _defaults_left_out(table: Any, columns: Collection[str]) -> bool:
    """True when a column not in ``columns`` has a Python-side default or update value."""
    given = set(columns)
    return any(
        (c.default is not None or c.onupdate is not None) and c.key not in given
        for c in table.columns
    )


def _table_name(dialect: Dialect, table: Any) -> str:
    return str(dialect.identifier_preparer.format_table(table))


def _marks(dialect: Dialect, columns: Sequence[str]) -> list[str]:
    """Placeholders of the driver's positional style (psycopg sends a text value as of unknown
    type, so PostgreSQL takes it as the column's, a JSON payload included)."""
    return ["?" if dialect.paramstyle == "qmark" else "%s"] * len(columns)


def _insert_sql(dialect: Dialect, table: Any, columns: Sequence[str]) -> str:
    q = dialect.identifier_preparer.quote
    return (
        f"INSERT INTO {_table_name(dialect, table)} ({', '.join(q(c) for c in columns)}) "
        f"VALUES ({', '.join(_marks(dialect, columns))})"
    )


def _converted(
    dialect: Dialect,
    table: Any,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    encoded: Collection[str],
) -> Sequence[tuple[Any, ...]]:
    """``rows`` with each value through its column type's bind processor for ``dialect``
    (as SQLAlchemy would apply it); a value the same object as the row before's is converted
    once (a chunk's fetch time, its source)."""
    convert: list[Convert] = []
    for i, name in enumerate(columns):
        proc = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if proc is not None and name not in encoded:
            convert.append((i, proc))
    if not convert:
        return rows
    seen: list[Any] = [_UNSET] * len(convert)
    done: list[Any] = [None] * len(convert)
    out: list[tuple[Any, ...]] = []
    for row in rows:
        values = list(row)
        for j, (i, proc) in enumerate(convert):
            value = values[i]
            if value is not seen[j]:
                seen[j], done[j] = value, proc(value)
            values[i] = done[j]
        out.append(tuple(values))
    return out


def _executemany(conn: Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """The driver's ``executemany`` through SQLAlchemy (its error handling and events)."""
    conn.exec_driver_sql(sql, list(rows))  # type: ignore[arg-type]
