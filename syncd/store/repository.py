"""The repository: every read and write the engine makes, each inside a transaction it is given.

Methods take an open connection (``with store.tx() as tx``) so that a caller groups the writes
that must land together: an action's completion with its shadow, link and audit rows; a poll
page's changes with its cursor.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from syncd.store import db
from syncd.store.cursor_rows import Cursors
from syncd.store.deliveries import Deliveries
from syncd.store.links import LinkRow, Links, utc
from syncd.store.prepared import Prepared
from syncd.store.queue import Due, now
from syncd.store.queues import Queue
from syncd.store.shadows import Shadow, Shadows
from syncd.store.tables import (
    TS,
    audit,
    comment_map,
    dead_letters,
    inbox,
    outbox,
)

Tx = sa.Connection
INBOX = Queue(inbox, inbox.c.ref, "working", count_on_claim=False)
__all__ = ["LinkRow", "Shadow", "Store", "Tx", "now", "utc"]

# the reads and writes the worker and runner make for every change: built once, run on the
# driver (see syncd.store.prepared)
_COMMENT_TARGETS = Prepared(
    sa.select(comment_map.c.target_ref, comment_map.c.link_id).where(
        comment_map.c.source_ref == sa.bindparam("ref")
    )
)
# written as text: SQLite and PostgreSQL read ON CONFLICT alike; a pair already mapped stays
_COMMENT_MAP = Prepared(
    sa.text(
        "INSERT INTO comment_map (source_ref, target_ref, link_id, created_at) "
        "VALUES (:source_ref, :target_ref, :link_id, :created_at) "
        "ON CONFLICT (source_ref, target_ref) DO NOTHING"
    ).bindparams(sa.bindparam("created_at", type_=comment_map.c.created_at.type))
)
_INBOX_DELETE = Prepared(inbox.delete().where(inbox.c.id == sa.bindparam("id")))
_INBOX_DUE_FOR = Prepared(
    sa.select(inbox.c.id)
    .where(
        inbox.c.ref == sa.bindparam("ref"),
        inbox.c.received_at < sa.bindparam("before", type_=TS),
        sa.or_(inbox.c.state == "working", inbox.c.next_at <= sa.bindparam("t", type_=TS)),
    )
    .limit(1)
)
_COMMENT_COPY = Prepared(
    sa.select(comment_map.c.source_ref)
    .where(comment_map.c.target_ref == sa.bindparam("ref"))
    .limit(1)
)
_AUDIT = Prepared(
    audit.insert().values(
        {
            c: sa.bindparam(c, type_=audit.c[c].type)
            for c in ("at", "event", "link_id", "ticket_ref", "issue_ref", "detail")
        }
    )
)


class Store(Deliveries, Links, Shadows, Cursors):
    """All persistent state of syncd."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        # who holds this process's claims and for how long (the cluster sets both)
        self.replica_id: str | None = None
        self.lease = 120.0

    @classmethod
    def open(
        cls,
        url: str,
        *,
        migrate: bool = True,
        pool_size: int = 8,
        max_overflow: int = 16,
        server_prepared: bool = True,
    ) -> Store:
        """Connect to ``url`` and, by default, apply pending migrations."""
        engine = db.make_engine(
            url, pool_size=pool_size, max_overflow=max_overflow, server_prepared=server_prepared
        )
        if migrate:
            db.upgrade(engine)
        return cls(engine)

    @contextmanager
    def tx(self) -> Iterator[Tx]:
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def peek(self) -> Iterator[Tx]:
        """A connection for reads only: on SQLite it takes no write lock and waits for no
        writer, so asking "is anything due?" costs a writer nothing."""
        with self.engine.connect() as conn:
            conn.info[db.READ_ONLY] = True
            try:
                yield conn
            finally:
                conn.info.pop(db.READ_ONLY, None)

    def checkpoint(self) -> tuple[int, int, int] | None:
        """A background WAL checkpoint on SQLite, see :func:`syncd.store.db.checkpoint`."""
        return db.checkpoint(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- inbox (a Queue, as the outbox is) ----------------------------------------------
    def next_inbox(self, tx: Tx, limit: int) -> Due:
        """Pending rows that are due and have no older unfinished row for the same ref.
        Rows whose worker died (lease run out) come back first."""
        return INBOX.due(tx, limit)

    def inbox_due(self) -> bool:
        """Whether the inbox may have work, asked without the write lock."""
        with self.peek() as conn:
            return INBOX.any_due(conn)

    def inbox_due_for(self, tx: Tx, ref: str, received_before: datetime) -> bool:
        """Whether the inbox holds a change of ``ref``, received before ``received_before``,
        that is due or being processed."""
        params = {"ref": ref, "t": now(), "before": received_before}
        return _INBOX_DUE_FOR.first(tx, params) is not None

    def take_inbox(
        self, tx: Tx, rows: Sequence[sa.Row[Any]], lease: float | None = None
    ) -> tuple[list[sa.Row[Any]], list[int]]:
        """Claim rows from :meth:`next_inbox` in one statement: (rows to process in order,
        ids to give back with :meth:`release_inbox`)."""
        mine, back = INBOX.claim(tx, rows, self.lease if lease is None else lease, self.replica_id)
        return [r for r, _ in mine], back

    def release_inbox(self, tx: Tx, row_ids: Sequence[int]) -> None:
        """Give claimed rows back to the queue, due now."""
        INBOX.release(tx, row_ids)

    def finish_inbox(self, tx: Tx, *row_ids: int) -> None:
        """Delete processed rows, all in one execution (one statement, run for each id)."""
        if row_ids:
            _INBOX_DELETE.many(tx, [{"id": row_id} for row_id in row_ids])

    def retry_inbox(self, tx: Tx, row_id: int, error: str, delay: float) -> None:
        """A change that failed: due again after ``delay``, its attempt counted."""
        INBOX.retry(tx, row_id, error, delay)

    def hold_inbox(self, tx: Tx, row_ids: Sequence[int], reason: str, delay: float) -> None:
        """Changes that wait for something else first (a link being made): due after
        ``delay`` at the latest, or when :meth:`wake_inbox` wakes them."""
        INBOX.hold(tx, row_ids, reason, delay)

    def wake_inbox(self, tx: Tx, refs: Sequence[str]) -> int:
        """Make the waiting rows of ``refs`` due now; return how many there were."""
        return INBOX.wake(tx, refs)

    def dead_change(self, tx: Tx, row: sa.Row[Any], reason: str) -> None:
        """Set a change aside as a dead letter (``syncd replay`` brings it back), so its
        ref's later changes go on."""
        tx.execute(
            dead_letters.insert().values(
                outbox_id=None,
                key=f"change:{row.id}",
                kind=f"change:{row.change.get('kind', '?')}",
                reason=reason[:2000],
                created_at=now(),
                ref=row.ref,
                change=row.change,
            )
        )
        self.finish_inbox(tx, row.id)

    def depth(self) -> dict[str, int]:
        """Rows waiting in the inbox, outbox and dead letters."""
        with self.engine.connect() as conn:

            def count(q: Any) -> int:
                return int(conn.execute(q).scalar() or 0)

            return {
                "inbox": count(sa.select(sa.func.count()).select_from(inbox)),
                "outbox": count(
                    sa.select(sa.func.count())
                    .select_from(outbox)
                    .where(outbox.c.state.in_(("pending", "running")))
                ),
                "dead": count(
                    sa.select(sa.func.count())
                    .select_from(dead_letters)
                    .where(dead_letters.c.replayed_at.is_(None))
                ),
            }

    # -- comment map --------------------------------------------------------------------
    def map_comment(self, tx: Tx, source_ref: str, target_ref: str, link_id: int) -> None:
        """Note ``target_ref`` as syncd's copy of ``source_ref``; a pair noted before stays."""
        values = {"source_ref": source_ref, "target_ref": target_ref, "link_id": link_id}
        _COMMENT_MAP.run(tx, {**values, "created_at": now()})

    def comment_targets(self, tx: Tx, source_ref: str) -> list[tuple[str, int]]:
        rows = _COMMENT_TARGETS.rows(tx, {"ref": source_ref})
        return [(r.target_ref, r.link_id) for r in rows]

    def is_comment_copy(self, tx: Tx, ref: str) -> bool:
        """True when ``ref`` is a comment syncd wrote as a copy of another."""
        return _COMMENT_COPY.first(tx, {"ref": ref}) is not None

    # -- audit --------------------------------------------------------------------------
    def audit(
        self,
        tx: Tx,
        event: str,
        *,
        link_id: int | None = None,
        ticket_ref: str | None = None,
        issue_ref: str | None = None,
        **detail: Any,
    ) -> None:
        _AUDIT.run(
            tx,
            {
                "at": now(),
                "event": event,
                "link_id": link_id,
                "ticket_ref": ticket_ref,
                "issue_ref": issue_ref,
                "detail": detail,
            },
        )

    def audited(self, tx: Tx, link_id: int, event: str) -> bool:
        """Whether ``event`` is on the link's timeline already."""
        q = sa.select(audit.c.id).where(audit.c.link_id == link_id, audit.c.event == event)
        return tx.execute(q.limit(1)).first() is not None

    def audit_since(self, after_id: int = 0, limit: int = 200) -> list[sa.Row[Any]]:
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.select(audit).where(audit.c.id > after_id).order_by(audit.c.id).limit(limit)
                ).fetchall()
            )
