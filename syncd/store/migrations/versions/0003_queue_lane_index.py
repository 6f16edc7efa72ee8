"""queue lanes: index (lane, state, next_at) so a lane's blocking rows are a seek

The blocking rows of a lane (busy, or pending and not yet due) were found through
(lane, state), which reads every pending row of the lane to compare its ``next_at``: with
thousands of changes queued for one ref, each claim read them all (and, on SQLite, the
change document stored before ``next_at`` in each row).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 09:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_inbox_ref_state", table_name="inbox")
    op.create_index("ix_inbox_ref_state_next", "inbox", ["ref", "state", "next_at"])
    op.drop_index("ix_outbox_lane_state", table_name="outbox")
    op.create_index("ix_outbox_lane_state_next", "outbox", ["lane", "state", "next_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_lane_state_next", table_name="outbox")
    op.create_index("ix_outbox_lane_state", "outbox", ["lane", "state", "id"])
    op.drop_index("ix_inbox_ref_state_next", table_name="inbox")
    op.create_index("ix_inbox_ref_state", "inbox", ["ref", "state"])
