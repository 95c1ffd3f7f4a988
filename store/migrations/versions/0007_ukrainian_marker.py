"""case.ukrainian_civilian: the case marker of persons assisted under the law on support to
Ukrainian civilians (spolis.md §4 ``ukrainianCivilians``)

Hand-written (the model is ``Case`` in ``store/models.py``); filled by ``tilts cases import``
from the caseload file's ``ukrainianCivilian`` column (docs/caseload-format.md). Existing cases are
not marked.

Revision ID: 0007_ukrainian_marker
Revises: 0006_registry_fetch
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_ukrainian_marker"
down_revision = "0006_registry_fetch"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case") as batch:
        batch.add_column(
            sa.Column(
                "ukrainian_civilian", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("case") as batch:
        batch.drop_column("ukrainian_civilian")
