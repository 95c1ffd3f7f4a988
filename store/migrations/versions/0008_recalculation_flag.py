"""household_flag.reason: RECALCULATION_DUE (assessment.md §5, retroactive rule changes)

Hand-written: the reason's CHECK constraint is rebuilt with the new value (on SQLite by
recreating the table; the partial unique index of open flags is dropped and made again around
it so that its ``WHERE`` survives).

Revision ID: 0008_recalculation_flag
Revises: 0007_ukrainian_marker
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_recalculation_flag"
down_revision = "0007_ukrainian_marker"
branch_labels = None
depends_on = None

OLD = ("INCOME_ABOVE_THRESHOLD", "MEMBER_DIED", "MEMBER_MOVED_OUT", "DISABILITY_ENDED")
NEW = (*OLD, "RECALCULATION_DUE")
OPEN = sa.text("status = 'OPEN'")


def _reasons(values: tuple[str, ...]) -> None:
    condition = f"reason IN ({', '.join(repr(v) for v in values)})"
    op.drop_index("uq_household_flag_open", table_name="household_flag")
    with op.batch_alter_table("household_flag") as batch:
        batch.drop_constraint(op.f("ck_household_flag_reason"), type_="check")
        batch.create_check_constraint(op.f("ck_household_flag_reason"), condition)
    op.create_index(
        "uq_household_flag_open", "household_flag", ["household_id", "decision_id", "reason"],
        unique=True, sqlite_where=OPEN, postgresql_where=OPEN,
    )  # fmt: skip


def upgrade() -> None:
    _reasons(NEW)


def downgrade() -> None:
    op.execute("DELETE FROM household_flag WHERE reason = 'RECALCULATION_DUE'")
    _reasons(OLD)
