"""registry_fetch: the day each per-person registry last answered for a person

Hand-written (the model is ``RegistryFetch`` in ``store/models.py``); read by the refresh
policy of ``store/fetches.py``. Persons fetched before this revision are treated as never
fetched, so the first night after the upgrade asks every registry for everyone once.

Revision ID: 0006_registry_fetch
Revises: 0005_sync_chunk
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_registry_fetch"
down_revision = "0005_sync_chunk"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "registry_fetch",
        sa.Column("person_id", BIG_ID, nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("fetched_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_registry_fetch_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "source", name=op.f("pk_registry_fetch")),
    )


def downgrade() -> None:
    op.drop_table("registry_fetch")
