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
    sa.Column("claimed_by", sa.String(200)),  # the replica whose lease marks the row working
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
    # 0: people read it; 1: other writes; 2: bookkeeping (see engine.actions.urgency)
    sa.Column("priority", sa.SmallInteger, nullable=False, server_default="1"),
    # rows with one coalesce key that wait together are written once, with the newest content
    sa.Column("coalesce", sa.String(400)),
    sa.Column("claimed_by", sa.String(200)),  # the replica whose lease marks the row running
    sa.Index("ix_outbox_state_next", "state", "next_at"),
    sa.Index("ix_outbox_state_priority_id", "state", "priority", "id"),
    sa.Index("ix_outbox_coalesce_state", "coalesce", "state"),
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
    sa.Column("outbox_id", sa.Integer, nullable=True, index=True),  # None: a change
    sa.Column("key", sa.String(300), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("replayed_at", TS),
    sa.Column("ref", sa.String(400)),  # a change's ref (its lane in the inbox)
    sa.Column("change", sa.JSON),  # a change set aside from the inbox, to be replayed
)

# one row per live (or lately seen) process serving this store; see syncd.store.cluster
replicas = sa.Table(
    "replicas",
    metadata,
    sa.Column("id", sa.String(200), primary_key=True),
    sa.Column("instance", sa.String(40), nullable=False),  # this run of the process
    sa.Column("host", sa.String(200), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),  # up, draining, down
    sa.Column("started_at", TS, nullable=False),
    sa.Column("seen_at", TS, nullable=False),
)

# who performs each singleton role (a connector's poll, the periodic jobs) until ``until``;
# ``token`` grows at every change of holder and fences a stale holder's writes
leaders = sa.Table(
    "leaders",
    metadata,
    sa.Column("role", sa.String(200), primary_key=True),
    sa.Column("holder", sa.String(200), nullable=False),
    sa.Column("token", sa.BigInteger, nullable=False),
    sa.Column("since", TS, nullable=False),
    sa.Column("until", TS, nullable=False),
)

# secrets syncd made for itself (the key that signs history page links when the config
# gives none): made once, kept across restarts and shared by replicas
secrets = sa.Table(
    "secrets",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("created_at", TS, nullable=False),
)


# files syncd carried (or refused) between a ticket and an issue: the content hash keeps the
# same file from being sent twice to the same place, whichever way it came
files = sa.Table(
    "files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("link_id", sa.Integer, nullable=True),
    sa.Column("origin", sa.String(300), nullable=False),  # the ticket or issue it came from
    sa.Column("target", sa.String(300), nullable=False),  # the ticket or issue it went to
    sa.Column("sha256", sa.String(64), nullable=True),  # None: refused before it was read
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("size", sa.BigInteger, nullable=True),
    sa.Column("outcome", sa.String(20), nullable=False),  # sent, linked, duplicate, refused
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("key", sa.String(300), nullable=False),  # the action that carried it
    sa.Column("created_at", TS, nullable=False),
    sa.Index("ix_files_target_sha", "target", "sha256"),
    sa.Index("ix_files_origin_sha", "origin", "sha256"),
)
