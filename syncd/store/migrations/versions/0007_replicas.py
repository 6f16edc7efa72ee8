"""replicas: claims name the replica that holds them; replicas and leaders tables

Several replicas on one PostgreSQL: a claim's short lease is renewed by the replica that
holds it (``claimed_by``), a restarted replica takes its own claims back at once, and one
replica leads each singleton role (a connector's poll, the periodic jobs) through a leased
row whose token fences a stale leader.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    for table in ("inbox", "outbox"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("claimed_by", sa.String(200), nullable=True))
    op.create_table(
        "replicas",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("instance", sa.String(40), nullable=False),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("seen_at", TS, nullable=False),
    )
    op.create_table(
        "leaders",
        sa.Column("role", sa.String(200), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("token", sa.BigInteger, nullable=False),
        sa.Column("since", TS, nullable=False),
        sa.Column("until", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leaders")
    op.drop_table("replicas")
    for table in ("outbox", "inbox"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("claimed_by")
