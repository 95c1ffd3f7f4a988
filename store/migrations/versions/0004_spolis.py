"""spolis: submitted record versions, batches, leases, reports, co-financing, cross-check flags

Hand-written (the models are ``store/models_spolis.py``). Branches from 0002 beside 0003_outbox;
the store upgrades to "heads".

Revision ID: 0004_spolis
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_spolis"
down_revision = "0002"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)
BENEFITS = (
    "'BENEFIT_GMI', 'BENEFIT_HOUSING', 'BENEFIT_HEALTH', 'BENEFIT_EDUCATION', "
    "'BENEFIT_CRISIS', 'BENEFIT_OTHER'"
)


def _muni_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["municipality_id"],
        ["municipality.id"],
        name=op.f(f"fk_{table}_municipality_id_municipality"),
    )


def upgrade() -> None:
    op.create_table(
        "spolis_batch",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("idempotency_key", sa.String(length=36), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("answered_at", TS, nullable=True),
        sa.Column("spolis_batch_id", sa.String(length=64), nullable=True),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.CheckConstraint("kind IN ('DECISION', 'PAYMENT')", name=op.f("ck_spolis_batch_kind")),
        sa.CheckConstraint(
            "state IN ('PREPARED', 'ANSWERED', 'FAILED')", name=op.f("ck_spolis_batch_state")
        ),
        _muni_fk("spolis_batch"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spolis_batch")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_spolis_batch_idempotency_key")),
    )
    with op.batch_alter_table("spolis_batch", schema=None) as batch_op:
        batch_op.create_index("ix_spolis_batch_open", ["municipality_id", "kind", "state"])

    op.create_table(
        "spolis_lease",
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=True),
        sa.Column("expires_at", TS, nullable=True),
        _muni_fk("spolis_lease"),
        sa.PrimaryKeyConstraint("municipality_id", "kind", name=op.f("pk_spolis_lease")),
    )

    op.create_table(
        "spolis_submission",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("record_id", sa.String(length=100), nullable=False),
        sa.Column("source_id", BIG_ID, nullable=False),
        sa.Column("person_id", BIG_ID, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("batch_id", BIG_ID, nullable=False),
        sa.Column("receipt_id", sa.String(length=64), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=True),
        sa.Column("sent_at", TS, nullable=False),
        sa.Column("answered_at", TS, nullable=True),
        sa.CheckConstraint(
            "kind IN ('DECISION', 'PAYMENT')", name=op.f("ck_spolis_submission_kind")
        ),
        sa.CheckConstraint(
            "state IN ('SENT', 'ACCEPTED', 'REJECTED')", name=op.f("ck_spolis_submission_state")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_spolis_submission_version")),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["spolis_batch.id"],
            name=op.f("fk_spolis_submission_batch_id_spolis_batch"),
        ),
        _muni_fk("spolis_submission"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spolis_submission")),
        sa.UniqueConstraint(
            "municipality_id",
            "kind",
            "record_id",
            "version",
            name=op.f("uq_spolis_submission_municipality_id"),
        ),
    )
    with op.batch_alter_table("spolis_submission", schema=None) as batch_op:
        batch_op.create_index("ix_spolis_submission_batch", ["batch_id"])
        batch_op.create_index("ix_spolis_submission_source", ["kind", "source_id"])

    op.create_table(
        "spolis_report",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("validation", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("receipt_id", sa.String(length=64), nullable=True),
        sa.Column("receipt", sa.JSON(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=True),
        sa.Column("prepared_at", TS, nullable=False),
        sa.Column("answered_at", TS, nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.CheckConstraint("kind IN ('MONTHLY', 'ANNUAL')", name=op.f("ck_spolis_report_kind")),
        sa.CheckConstraint(
            "status IN ('PREPARED', 'ACCEPTED', 'REJECTED', 'INVALID')",
            name=op.f("ck_spolis_report_status"),
        ),
        _muni_fk("spolis_report"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spolis_report")),
        sa.UniqueConstraint(
            "municipality_id",
            "kind",
            "period",
            "version",
            name=op.f("uq_spolis_report_municipality_id"),
        ),
    )
    with op.batch_alter_table("spolis_report", schema=None) as batch_op:
        batch_op.create_index(
            "ix_spolis_report_period", ["municipality_id", "kind", "period", "status"]
        )

    op.create_table(
        "spolis_cofinancing",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("report_id", BIG_ID, nullable=True),
        sa.Column("gmi_eur_reported", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("state_share_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("state_amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("fetched_at", TS, nullable=False),
        sa.CheckConstraint(
            "status IN ('CALCULATED', 'PENDING')", name=op.f("ck_spolis_cofinancing_status")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["spolis_report.id"],
            name=op.f("fk_spolis_cofinancing_report_id_spolis_report"),
        ),
        _muni_fk("spolis_cofinancing"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spolis_cofinancing")),
        sa.UniqueConstraint(
            "municipality_id", "month", name=op.f("uq_spolis_cofinancing_municipality_id")
        ),
    )

    op.create_table(
        "spolis_crosscheck_flag",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("household_id", BIG_ID, nullable=False),
        sa.Column("person_id", BIG_ID, nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("other_atvk", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("other_valid_from", sa.String(length=10), nullable=True),
        sa.Column("other_valid_to", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("flagged_at", TS, nullable=False),
        sa.Column("resolved_at", TS, nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.CheckConstraint(f"kind IN ({BENEFITS})", name=op.f("ck_spolis_crosscheck_flag_kind")),
        sa.CheckConstraint(
            "status IN ('OPEN', 'RESOLVED')", name=op.f("ck_spolis_crosscheck_flag_status")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
            name=op.f("fk_spolis_crosscheck_flag_household_id_household"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_spolis_crosscheck_flag_person_id_person"),
            ondelete="CASCADE",
        ),
        _muni_fk("spolis_crosscheck_flag"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spolis_crosscheck_flag")),
        sa.UniqueConstraint(
            "household_id",
            "person_id",
            "month",
            "other_atvk",
            "kind",
            name=op.f("uq_spolis_crosscheck_flag_household_id"),
        ),
    )
    with op.batch_alter_table("spolis_crosscheck_flag", schema=None) as batch_op:
        batch_op.create_index("ix_spolis_crosscheck_status", ["status", "municipality_id"])


def downgrade() -> None:
    with op.batch_alter_table("spolis_crosscheck_flag", schema=None) as batch_op:
        batch_op.drop_index("ix_spolis_crosscheck_status")
    op.drop_table("spolis_crosscheck_flag")
    op.drop_table("spolis_cofinancing")
    with op.batch_alter_table("spolis_report", schema=None) as batch_op:
        batch_op.drop_index("ix_spolis_report_period")
    op.drop_table("spolis_report")
    with op.batch_alter_table("spolis_submission", schema=None) as batch_op:
        batch_op.drop_index("ix_spolis_submission_source")
        batch_op.drop_index("ix_spolis_submission_batch")
    op.drop_table("spolis_submission")
    op.drop_table("spolis_lease")
    with op.batch_alter_table("spolis_batch", schema=None) as batch_op:
        batch_op.drop_index("ix_spolis_batch_open")
    op.drop_table("spolis_batch")
