"""outbox coalescing: a bookkeeping write that a newer one replaces is written once

An impact summary, say, edited forty times while its first edit still waited in the outbox
is one write: the waiting row takes the newest content and the later ones are remembered as
done (their keys still refuse a repeat).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 22:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("coalesce", sa.String(400), nullable=True))
    op.create_index("ix_outbox_coalesce_state", "outbox", ["coalesce", "state"])


def downgrade() -> None:
    op.drop_index("ix_outbox_coalesce_state", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("coalesce")
