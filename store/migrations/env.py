"""Alembic environment: the URL or connection comes from ``store.migrate``, never a file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import tilts.store.models_chunks  # the chunk ledger of flows/fanout.py (same metadata)
import tilts.store.models_spolis  # noqa: F401  (its tables belong to the same metadata)
from tilts.store import models_outbox  # noqa: F401  (the outbox tables, for autogenerate)
from tilts.store.db import make_engine
from tilts.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()
