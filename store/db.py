"""Engines and sessions: SQLite (WAL) by default under ``./.tilts/``, PostgreSQL by URL."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from tilts.kernel.errors import ConfigError, StoreError
from tilts.kernel.logsafe import scrub


def normalise_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs and create the SQLite file's folder."""
    parsed = make_url(url)
    if parsed.get_backend_name() not in ("sqlite", "postgresql", "postgres"):
        raise ValueError("only sqlite and postgresql stores are supported")
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` (parameters hidden); SQLite gets WAL, foreign keys, a busy timeout."""
    try:
        url = normalise_url(url)
    except Exception as exc:
        raise ConfigError(f"store.url: not a database URL ({exc})") from None
    is_sqlite = url.startswith("sqlite")
    # Statement parameters and rows hold personal codes and names: never in SQLAlchemy's
    # exception messages, nor in its engine log (statements at INFO, every row at DEBUG), which
    # stays at WARNING whatever level the root logger has.
    kwargs.setdefault("hide_parameters", True)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    if is_sqlite:
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
    else:
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "handle_error", _unreachable)
    if is_sqlite:

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

    return engine


def describe(url: Any) -> str:
    """Where a store lives, for messages: ``host:port/database`` or the SQLite file (no
    user name or password)."""
    parsed = make_url(str(url)) if isinstance(url, str) else url
    if parsed.drivername.startswith("sqlite"):
        return f"SQLite file {parsed.database or ':memory:'}"
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"


def _unreachable(context: Any) -> None:
    """A failed connect (PostgreSQL down, SQLite file not openable) becomes one line naming
    the store's host and port, never a traceback (operations.md §3, exit 3)."""
    if context.connection is not None or context.is_pre_ping:
        return
    reason = str(context.original_exception).strip().splitlines()
    detail = scrub(reason[0].strip()[:160]) if reason else type(context.original_exception).__name__
    raise StoreError(
        f"store.url: the store at {describe(context.engine.url)} is unreachable ({detail}); "
        "check that the database runs and store.url names it"
    ) from None


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory that does not expire objects on commit."""
    return sessionmaker(engine, expire_on_commit=False)


_WRITERS: dict[str, threading.RLock] = {}
_WRITERS_LOCK = threading.Lock()


@contextmanager
def _writer(factory: sessionmaker[Session]) -> Iterator[None]:
    """SQLite has one writer at a time: the threads of this process take turns on a lock
    (handed over at once, never timing out) instead of polling SQLite's busy handler, whose
    30 s can run out when many chunk tasks commit at once on a loaded machine."""
    bind = factory.kw.get("bind")
    if bind is None or bind.dialect.name != "sqlite":
        yield
        return
    with _WRITERS_LOCK:
        lock = _WRITERS.setdefault(str(bind.url), threading.RLock())
    with lock:
        yield


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception.

    Database errors become :class:`StoreError` (the statement text and parameters, which may
    hold personal codes, are not repeated in the message).
    """
    try:
        with _writer(factory), factory() as session, session.begin():
            yield session
    except SQLAlchemyError as exc:
        reason = scrub(str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0][:200])
        raise StoreError(
            f"store: unit of work rolled back ({type(exc).__name__}: {reason})"
        ) from None
