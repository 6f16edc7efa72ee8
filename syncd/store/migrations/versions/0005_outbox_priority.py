"""outbox priority: what people read goes before syncd's own bookkeeping

An action's priority (0: a customer, agent or developer reads it; 1: other writes; 2:
bookkeeping such as labels and impact summaries) orders the heads of the outbox's lanes
when a vendor's rate limit leaves room for only some of them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 22:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("priority", sa.SmallInteger(), nullable=False, server_default="1")
        )
    op.create_index("ix_outbox_state_priority_id", "outbox", ["state", "priority", "id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_state_priority_id", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("priority")
