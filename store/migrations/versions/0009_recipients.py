"""notification.recipient: BRIDZIS and KIM (property.md §9)

Hand-written: the recipient's CHECK constraint is rebuilt with the new values (on SQLite by
recreating the table; the partial indexes of pending and open notifications are dropped and
made again around it so that their ``WHERE`` survives). ``notification_sequence`` has no check
on its recipient.

Revision ID: 0009_recipients
Revises: 0008_recalculation_flag
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_recipients"
down_revision = "0008_recalculation_flag"
branch_labels = None
depends_on = None

OLD = ("nino", "jpa", "bvkb", "nva", "baris")
NEW = (*OLD, "bridzis", "kim")
PENDING = sa.text("state = 'PENDING'")
OPEN = sa.text("state IN ('PENDING', 'PARKED')")


def _recipients(values: tuple[str, ...]) -> None:
    condition = f"recipient IN ({', '.join(repr(v) for v in values)})"
    op.drop_index("ix_notification_pending", table_name="notification")
    op.drop_index("ix_notification_open_stream", table_name="notification")
    with op.batch_alter_table("notification") as batch:
        batch.drop_constraint(op.f("ck_notification_recipient"), type_="check")
        batch.create_check_constraint(op.f("ck_notification_recipient"), condition)
    op.create_index(
        "ix_notification_pending", "notification", ["municipality_id", "next_attempt_at", "id"],
        sqlite_where=PENDING, postgresql_where=PENDING,
    )  # fmt: skip
    op.create_index(
        "ix_notification_open_stream", "notification", ["household_id", "recipient", "sequence"],
        sqlite_where=OPEN, postgresql_where=OPEN,
    )  # fmt: skip


def upgrade() -> None:
    _recipients(NEW)


def downgrade() -> None:
    for table in ("notification", "notification_sequence"):
        op.execute(f"DELETE FROM {table} WHERE recipient IN ('bridzis', 'kim')")  # noqa: S608
    _recipients(OLD)
