"""dead letters for changes: a change the worker fails on again and again is set aside

A dead letter held an outbox action only. A change of the inbox that fails every time it is
processed (a defect) now goes there too after ``engine.max_attempts``, with the change
itself and its ref, so its ref's later changes go on and ``syncd replay`` brings it back.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 21:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dead_letters") as batch:
        batch.alter_column("outbox_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("ref", sa.String(400), nullable=True))
        batch.add_column(sa.Column("change", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM dead_letters WHERE outbox_id IS NULL")
    with op.batch_alter_table("dead_letters") as batch:
        batch.drop_column("change")
        batch.drop_column("ref")
        batch.alter_column("outbox_id", existing_type=sa.Integer(), nullable=False)
