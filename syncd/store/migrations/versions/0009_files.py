"""files: what syncd carried between tickets and issues, by content hash

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 02:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "files",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("link_id", sa.Integer, nullable=True),
        sa.Column("origin", sa.String(300), nullable=False),
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_files_target_sha", "files", ["target", "sha256"])
    op.create_index("ix_files_origin_sha", "files", ["origin", "sha256"])


def downgrade() -> None:
    op.drop_index("ix_files_origin_sha", "files")
    op.drop_index("ix_files_target_sha", "files")
    op.drop_table("files")
