"""outbox: status notifications, their per-recipient sequence counters and triggers

Hand-written (outbound.md). Decisions already in the store when this runs are marked as
handled (trigger RECORDED, and EXPIRED for statuses whose validity had already ended), so
upgrading never announces a backlog of old decisions; see docs/decisions.md.

Revision ID: 0003_outbox
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0003_outbox"
down_revision = "0002"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PENDING = sa.text("state = 'PENDING'")
OPEN = sa.text("state IN ('PENDING', 'PARKED')")


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("notification_id", sa.String(length=36), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("household_id", BIG_ID, nullable=False),
        sa.Column("decision_id", BIG_ID, nullable=False),
        sa.Column("decision_version", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=8), nullable=False),
        sa.Column("event", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("receipt_id", sa.String(length=100), nullable=True),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "recipient IN ('nino', 'jpa', 'bvkb', 'nva', 'baris')",
            name=op.f("ck_notification_recipient"),
        ),
        sa.CheckConstraint(
            "event IN ('GRANTED', 'EXTENDED', 'REVOKED', 'EXPIRED')",
            name=op.f("ck_notification_event"),
        ),
        sa.CheckConstraint("status IN ('POOR', 'LOW_INCOME')", name=op.f("ck_notification_status")),
        sa.CheckConstraint(
            "state IN ('PENDING', 'DELIVERED', 'PARKED', 'DISCARDED')",
            name=op.f("ck_notification_state"),
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decision.id"], name=op.f("fk_notification_decision_id_decision")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["household.id"], name=op.f("fk_notification_household_id_household")
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_notification_municipality_id_municipality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("notification_id", name=op.f("uq_notification_notification_id")),
        sa.UniqueConstraint(
            "municipality_id", "recipient", "sequence", name=op.f("uq_notification_municipality_id")
        ),
        sa.UniqueConstraint(
            "decision_id",
            "decision_version",
            "recipient",
            "event",
            name=op.f("uq_notification_decision_id"),
        ),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_pending",
            ["municipality_id", "next_attempt_at", "id"],
            unique=False,
            sqlite_where=PENDING,
            postgresql_where=PENDING,
        )
        batch_op.create_index(
            "ix_notification_open_stream",
            ["household_id", "recipient", "sequence"],
            unique=False,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        )
        batch_op.create_index(
            "ix_notification_state", ["state", "municipality_id", "recipient"], unique=False
        )

    op.create_table(
        "notification_sequence",
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=8), nullable=False),
        sa.Column("last_value", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_notification_sequence_municipality_id_municipality"),
        ),
        sa.PrimaryKeyConstraint("municipality_id", "recipient", name=op.f("pk_notification_sequence")),
    )

    op.create_table(
        "notification_trigger",
        sa.Column("decision_id", BIG_ID, nullable=False),
        sa.Column("decision_version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('RECORDED', 'EXPIRED')", name=op.f("ck_notification_trigger_kind")
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decision.id"],
            name=op.f("fk_notification_trigger_decision_id_decision"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "decision_id", "decision_version", "kind", name=op.f("pk_notification_trigger")
        ),
    )

    # Decisions recorded before the outbox existed were announced (or not) by other means.
    op.execute(
        "INSERT INTO notification_trigger (decision_id, decision_version, kind, processed_at) "
        "SELECT id, version, 'RECORDED', CURRENT_TIMESTAMP FROM decision "
        "WHERE kind IN ('STATUS_POOR', 'STATUS_LOW_INCOME') AND outcome IN ('GRANTED', 'REVOKED')"
    )
    op.execute(
        "INSERT INTO notification_trigger (decision_id, decision_version, kind, processed_at) "
        "SELECT id, version, 'EXPIRED', CURRENT_TIMESTAMP FROM decision "
        "WHERE kind IN ('STATUS_POOR', 'STATUS_LOW_INCOME') AND outcome = 'GRANTED' "
        "AND valid_to < CURRENT_DATE"
    )


def downgrade() -> None:
    op.drop_table("notification_trigger")
    op.drop_table("notification_sequence")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_state")
        batch_op.drop_index(
            "ix_notification_open_stream", sqlite_where=OPEN, postgresql_where=OPEN
        )
        batch_op.drop_index("ix_notification_pending", sqlite_where=PENDING, postgresql_where=PENDING)
    op.drop_table("notification")
