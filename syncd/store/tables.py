"""The store's tables (SQLAlchemy Core). Alembic migrations create them; this module is the
single description both the migrations and the repository read.

Refs are stored as their ``connector:kind:key`` text; JSON columns hold canonical values
dumped with ``model_dump(mode="json")``.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
TS = sa.DateTime(timezone=True)

links = sa.Table(
    "links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_ref", sa.String(400), nullable=False, unique=True),
    sa.Column("issue_ref", sa.String(400), nullable=False, index=True),
    sa.Column("route", sa.String(200), nullable=False),
    sa.Column("mode", sa.String(20), nullable=False),
    # active: syncing; resolved: issue done, ticket solved; declined: won't do;
    # redirecting / redirected: the ticket is being / was closed with a pointer; no more sync
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("tier", sa.String(50)),
    sa.Column("gone_strikes", sa.Integer, nullable=False, server_default="0"),
    sa.Column("reason", sa.Text),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)

shadows = sa.Table(
    "shadows",
    metadata,
    sa.Column("ref", sa.String(400), primary_key=True),
    sa.Column("observed", sa.JSON),  # last snapshot seen from the remote
    sa.Column("observed_at", TS),  # its remote updated_at
    sa.Column("written", sa.JSON, nullable=False),  # field -> value syncd wrote, not yet seen back
    sa.Column("updated_at", TS, nullable=False),
)

inbox = sa.Table(
    "inbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ref", sa.String(400), nullable=False),
    sa.Column("connector", sa.String(100), nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("change", sa.JSON, nullable=False),
    sa.Column("state", sa.String(10), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_at", TS, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("received_at", TS, nullable=False),
    sa.Index("ix_inbox_state_id", "state", "id"),
    # a ref's blocking rows (busy, or pending and not yet due) found without reading a row
    sa.Index("ix_inbox_ref_state_next", "ref", "state", "next_at"),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("connector", sa.String(100), primary_key=True),
    sa.Column("delivery_id", sa.String(200), primary_key=True),
    sa.Column("received_at", TS, nullable=False, index=True),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(300), nullable=False, unique=True),
    sa.Column("lane", sa.String(400), nullable=False),  # actions of one lane run in order
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("action", sa.JSON, nullable=False),
    sa.Column("state", sa.String(10), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_at", TS, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("done_at", TS),
    sa.Index("ix_outbox_state_next", "state", "next_at"),
    sa.Index("ix_outbox_lane_state_next", "lane", "state", "next_at"),
)

cursors = sa.Table(
    "cursors",
    metadata,
    sa.Column("connector", sa.String(100), primary_key=True),
    sa.Column("stream", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text),
    sa.Column("updated_at", TS, nullable=False),
)

comment_map = sa.Table(
    "comment_map",
    metadata,
    sa.Column("source_ref", sa.String(400), primary_key=True),
    sa.Column("target_ref", sa.String(400), primary_key=True),
    sa.Column("link_id", sa.Integer, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Index("ix_comment_map_target", "target_ref"),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", TS, nullable=False, index=True),
    sa.Column("link_id", sa.Integer, index=True),
    sa.Column("ticket_ref", sa.String(400)),
    sa.Column("issue_ref", sa.String(400)),
    sa.Column("event", sa.String(60), nullable=False),
    sa.Column("detail", sa.JSON, nullable=False),
)

# the SLA clock of one link (syncd.engine.sla.Clock as JSON): pauses, met, at-risk, breached
sla_clocks = sa.Table(
    "sla_clocks",
    metadata,
    sa.Column("link_id", sa.Integer, primary_key=True),
    sa.Column("state", sa.JSON, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)

dead_letters = sa.Table(
    "dead_letters",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("outbox_id", sa.Integer, nullable=False, index=True),
    sa.Column("key", sa.String(300), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("replayed_at", TS),
)
