"""The repository: every read and write the engine makes, each inside a transaction it is given.

Methods take an open connection (``with store.tx() as tx``) so that a caller groups the writes
that must land together: an action's completion with its shadow, link and audit rows; a poll
page's changes with its cursor.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from syncd.store import db
from syncd.store.deliveries import Deliveries
from syncd.store.direct import DirectWriter
from syncd.store.links import LinkRow, Links, utc
from syncd.store.prepared import Prepared
from syncd.store.queue import Due, any_due, claim, due_in_order, now, release
from syncd.store.shadows import Shadow, Shadows
from syncd.store.tables import (
    audit,
    comment_map,
    cursors,
    dead_letters,
    inbox,
    outbox,
)

Tx = sa.Connection
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


class Store(Deliveries, Links, Shadows):
    """All persistent state of syncd."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self.direct = DirectWriter(engine)

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Connect to ``url`` and, by default, apply pending migrations."""
        engine = db.make_engine(url)
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
        self.direct.close()
        self.engine.dispose()

    # -- inbox --------------------------------------------------------------------------
    def next_inbox(self, tx: Tx, limit: int) -> Due:
        """Pending rows that are due and have no older unfinished row for the same ref.
        Rows whose worker died (lease run out) come back first."""
        return due_in_order(tx, inbox, inbox.c.ref, "working", limit)

    def inbox_due(self) -> bool:
        """Whether the inbox may have work, asked without the write lock."""
        with self.peek() as conn:
            return any_due(conn, inbox, "working")

    def take_inbox(
        self, tx: Tx, rows: Sequence[sa.Row[Any]], lease: float = 120.0
    ) -> tuple[list[sa.Row[Any]], list[int]]:
        """Claim rows from :meth:`next_inbox` in one statement: (rows to process in order,
        ids to give back with :meth:`release_inbox`), see :func:`claim`."""
        mine, back = claim(tx, inbox, rows, "ref", "working", lease)
        return [r for r, _ in mine], back

    def release_inbox(self, tx: Tx, row_ids: Sequence[int]) -> None:
        """Give claimed rows back to the queue, due now."""
        release(tx, inbox, row_ids)

    def finish_inbox(self, tx: Tx, *row_ids: int) -> None:
        """Delete processed rows, all in one execution (one statement, run for each id)."""
        if row_ids:
            _INBOX_DELETE.many(tx, [{"id": row_id} for row_id in row_ids])

    def retry_inbox(self, tx: Tx, row_id: int, error: str, delay: float) -> None:
        tx.execute(
            inbox.update()
            .where(inbox.c.id == row_id)
            .values(
                attempts=inbox.c.attempts + 1,
                last_error=error[:2000],
                next_at=now() + timedelta(seconds=delay),
            )
        )

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

    # -- cursors ------------------------------------------------------------------------
    def cursor(self, connector: str, stream: str = "default") -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(cursors.c.value).where(
                    cursors.c.connector == connector, cursors.c.stream == stream
                )
            ).scalar()

    def set_cursor(
        self, tx: Tx, connector: str, value: str | None, stream: str = "default"
    ) -> None:
        res = tx.execute(
            cursors.update()
            .where(cursors.c.connector == connector, cursors.c.stream == stream)
            .values(value=value, updated_at=now())
        )
        if not res.rowcount:
            tx.execute(
                cursors.insert().values(
                    connector=connector, stream=stream, value=value, updated_at=now()
                )
            )

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

    def audit_since(self, after_id: int = 0, limit: int = 200) -> list[sa.Row[Any]]:
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.select(audit).where(audit.c.id > after_id).order_by(audit.c.id).limit(limit)
                ).fetchall()
            )
