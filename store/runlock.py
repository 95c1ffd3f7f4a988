"""One sync at a time per store: the store-level run lock (operations.md §5).

Two ``tilts sync`` processes (or a manual sync during the scheduled nightly) on one store
would make every registry call twice and collide on the same rows. Every sync flow takes this
lock before it writes anything and holds it to its end; a second one does not start: it raises
:class:`~tilts.kernel.errors.RunLocked` naming the holder (``tilts sync`` exits 3: the store is
busy, run again after the other run ends).

- **PostgreSQL:** a session-level advisory lock (``pg_try_advisory_lock``) on a connection held
  open for the run; the key is derived from the database and schema, so two stores in one
  database (a schema each) do not exclude each other. The holder's connection carries an
  ``application_name`` naming the process, which the refused run reports.
- **SQLite:** ``flock`` on a lock file beside the database (``<db>.sync.lock``), holding the
  holder's process, host and start as JSON.

Both are released by the operating system or the server when the holding process dies (a
SIGKILL leaves no stale lock), which is also how ``tilts status`` tells a crashed run from one
still running (:func:`lock_is_free`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text

from tilts.kernel.errors import RunLocked

_APP = "tilts-sync"


def _holder(label: str) -> dict[str, Any]:
    return {
        "what": label,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _lock_file(engine: Engine) -> Path | None:
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    return Path(f"{database}.sync.lock")


def _pg_key(conn: Connection) -> int:
    db, schema = conn.execute(text("select current_database(), current_schema()")).one()
    return zlib.crc32(f"tilts-sync/{db}/{schema}".encode()) & 0x7FFFFFFF


class RunLock:
    """A held run lock; :meth:`release` (or leaving the ``with``) lets the next run in."""

    def __init__(self, fd: int | None = None, conn: Connection | None = None, key: int = 0):
        self._fd = fd
        self._conn = conn
        self._key = key

    def release(self) -> None:
        """Give the lock back (idempotent)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.execute(text("select pg_advisory_unlock(:k)"), {"k": self._key})
                self._conn.commit()
            self._conn.close()
            self._conn = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


def acquire(engine: Engine, label: str) -> RunLock:
    """Take the store's run lock for ``label`` (what runs, e.g. ``nightly_sync``), or raise
    :class:`RunLocked` naming who holds it. Never waits."""
    if engine.dialect.name == "postgresql":
        return _acquire_pg(engine, label)
    path = _lock_file(engine)
    if path is None:
        return RunLock()
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        held = Path(path).read_text(encoding="utf-8", errors="replace").strip()
        os.close(fd)
        raise RunLocked(_refusal(_describe(held), str(path))) from None
    os.ftruncate(fd, 0)
    os.write(fd, json.dumps(_holder(label)).encode())
    return RunLock(fd=fd)


def _acquire_pg(engine: Engine, label: str) -> RunLock:
    conn = engine.connect()
    try:
        key = _pg_key(conn)
        h = _holder(label)
        holder = f"{label} (pid {h['pid']} on {h['host']})"[:63]  # the application_name
        conn.execute(text("select set_config('application_name', :a, false)"), {"a": _APP})
        got = conn.execute(text("select pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        if got:
            conn.execute(text("select set_config('application_name', :a, false)"), {"a": holder})
            conn.commit()
            return RunLock(conn=conn, key=key)
        who = conn.execute(
            text(
                "select a.application_name from pg_locks l join pg_stat_activity a"
                " on a.pid = l.pid where l.locktype = 'advisory' and l.granted"
                " and l.classid = 0 and l.objid = :k"
            ),
            {"k": key},
        ).scalar()
        conn.rollback()
    except BaseException:
        conn.close()
        raise
    conn.close()
    where = f"{engine.url.host}:{engine.url.port or 5432}/{engine.url.database}"
    raise RunLocked(_refusal(str(who or "another session"), f"advisory lock on {where}"))


def _describe(held: str) -> str:
    try:
        h = json.loads(held)
        return f"{h['what']} (pid {h['pid']} on {h['host']}, since {h['since']})"
    except (ValueError, KeyError, TypeError):
        return "another run"


def _refusal(who: str, where: str) -> str:
    return (
        f"another sync holds this store's run lock: {who} [{where}]; this run did not start "
        "— run it again when that one has ended (see `tilts status`)"
    )


def lock_is_free(engine: Engine) -> bool:
    """Whether no sync holds the store's run lock now (taken and given back at once)."""
    try:
        acquire(engine, "tilts status probe").release()
    except RunLocked:
        return False
    return True
