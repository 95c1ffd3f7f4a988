"""Migration ``0009_recipients`` (property.md §9): the notification's recipient check takes
BRIDZIS and KIM, the partial indexes keep their ``WHERE``, and the downgrade gives the old check
back (SQLite, where the table is recreated)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from tilts.store.db import make_engine
from tilts.store.migrate import alembic_config, upgrade


def _schema(engine_url: str) -> dict[str, str]:
    engine = make_engine(engine_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'notification'")
        ).all()
    engine.dispose()
    return {name: sql or "" for name, sql in rows}


def test_0009_widens_the_recipient_check_and_keeps_the_partial_indexes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(url)
    upgrade(engine, "0009_recipients")
    engine.dispose()
    table = _schema(url)
    assert "'bridzis', 'kim'" in table["notification"]
    assert "WHERE state = 'PENDING'" in table["ix_notification_pending"]
    assert "WHERE state IN ('PENDING', 'PARKED')" in table["ix_notification_open_stream"]
    cfg = alembic_config(url)
    command.downgrade(cfg, "0008_recalculation_flag")
    old = _schema(url)
    assert "'kim'" not in old["notification"] and "'baris'" in old["notification"]
    assert "WHERE state = 'PENDING'" in old["ix_notification_pending"]
