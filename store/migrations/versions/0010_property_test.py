"""property_override (the social worker's override of the property test, with the reason) and
household_flag.reason PROPERTY_ACQUIRED (property.md §8)

Hand-written: the flag reason's CHECK constraint is rebuilt as in 0008 (on SQLite by
recreating the table; the partial unique index of open flags is dropped and made again around
it so that its ``WHERE`` survives).

Revision ID: 0010_property_test
Revises: 0008_recalculation_flag
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_property_test"
down_revision = "0009_recipients"
branch_labels = None
depends_on = None

OLD = (
    "INCOME_ABOVE_THRESHOLD", "MEMBER_DIED", "MEMBER_MOVED_OUT", "DISABILITY_ENDED",
    "RECALCULATION_DUE",
)  # fmt: skip
NEW = (*OLD, "PROPERTY_ACQUIRED")
OPEN = sa.text("status = 'OPEN'")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


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
    op.create_table(
        "property_override",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("household_id", BigId, nullable=False),
        sa.Column("result", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "result IN ('MET', 'NOT_MET')", name=op.f("ck_property_override_result")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["household.id"],
            name=op.f("fk_property_override_household_id_household"), ondelete="CASCADE",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_property_override")),
    )
    op.create_index(
        "ix_property_override_household", "property_override", ["household_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_property_override_household", table_name="property_override")
    op.drop_table("property_override")
    op.execute("DELETE FROM household_flag WHERE reason = 'PROPERTY_ACQUIRED'")
    _reasons(OLD)
