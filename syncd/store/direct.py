"""The event loop's own way into a SQLite store, for the webhook intake's commit.

A webhook's answer waits for its delivery to be committed, and under load the intake
commits a batch every few hundred microseconds on the event loop. Through SQLAlchemy a batch
of four deliveries took about twice as long as the same statements on SQLite's own driver:
a pool checkout, the ``begin``/``commit`` events, two executions with their result objects
and a pool return, each in Python, each on the loop. :class:`DirectWriter` keeps one
connection of its own, opened with the store's pragmas, and runs the two statements of
:meth:`~syncd.store.deliveries.Deliveries.ingest` on it with values converted by the same
SQLAlchemy types the rest of the store reads them back with.

It never waits: it takes this process's writers' lock only if it is free, and its
connection's busy timeout is 0, so when another process holds SQLite's write lock
``BEGIN IMMEDIATE`` fails at once. Either way it writes nothing and says so (None), and the
caller commits on a thread that may wait. On PostgreSQL and on an in-memory SQLite database
(which another connection would not see) it is never usable.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from syncd.model import Change
from syncd.store import db
from syncd.store.deliveries import (
    INBOX_COLUMNS,
    Received,
    change_text,
    inbox_values,
    ingest_with,
    record_chunks,
)
from syncd.store.tables import deliveries, inbox

_TIMES = ("next_at", "received_at")  # the inbox's columns of deliveries.received_at's type
# positional: the driver binds a named parameter by making its name a string, every row
_INBOX_INSERT = (
    f"INSERT INTO inbox ({', '.join(INBOX_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in INBOX_COLUMNS)})"
)


def _binder(column: sa.Column[Any], dialect: sa.Dialect) -> Callable[[Any], Any] | None:
    """How SQLAlchemy converts a value of ``column`` for ``dialect``'s driver."""
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def _file_of(engine: sa.Engine) -> str | None:
    """The SQLite database file of ``engine``; None for PostgreSQL or an in-memory one."""
    if engine.dialect.name != "sqlite":
        return None
    path = engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return path


class DirectWriter:
    """Writes received deliveries through SQLite's own driver, at once or not at all."""

    def __init__(self, engine: sa.Engine) -> None:
        self.path = _file_of(engine)
        # None where it is never usable: PostgreSQL, or a database in memory
        self._lock = db.writer_lock(engine) if self.path else None
        self._conn: sqlite3.Connection | None = None
        self._guard = threading.Lock()  # against close() while a batch is written
        dialect = engine.dialect
        # every time a batch writes is its one moment, converted once (deliveries.received_at,
        # inbox.next_at and inbox.received_at share one type)
        self._time = _binder(deliveries.c.received_at, dialect)
        # the change column gets its JSON text from pydantic-core directly (change_text)
        bound = [c for c in INBOX_COLUMNS if c not in ("change", *_TIMES)]
        self._bind = {
            INBOX_COLUMNS.index(c): f for c in bound if (f := _binder(inbox.c[c], dialect))
        }

    @property
    def usable(self) -> bool:
        """Whether it can ever write (a SQLite file with this process's writers' lock)."""
        return self._lock is not None

    def ingest(self, received: Sequence[Received]) -> tuple[list[bool], int] | None:
        """Record ``received`` in one transaction if nothing must wait for it, see
        :meth:`~syncd.store.deliveries.Deliveries.ingest`; None, with nothing written, if
        a writer of this process or another holds the lock, or if it is not usable."""
        lock = self._lock
        if lock is None or not lock.acquire(blocking=False):
            return None
        try:
            with self._guard:
                conn = self._conn or self._connect()
                try:
                    conn.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError as exc:
                    if exc.sqlite_errorcode == sqlite3.SQLITE_BUSY:
                        return None  # another process is writing
                    raise
                try:
                    done = self._write(conn, received)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                return done
        finally:
            lock.release()

    def close(self) -> None:
        """Close its connection (it opens again when next used)."""
        with self._guard:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _connect(self) -> sqlite3.Connection:
        assert self.path is not None
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.sqlite_pragmas(conn, busy_ms=0)
        self._conn = conn
        return conn

    def _write(
        self, conn: sqlite3.Connection, received: Sequence[Received]
    ) -> tuple[list[bool], int]:
        t = datetime.now(UTC)
        stamp = self._time(t) if self._time else t

        def record(ids: list[tuple[str, str]]) -> set[tuple[str, str]]:
            recorded: set[tuple[str, str]] = set()
            for stmt, params in record_chunks(ids, stamp):
                recorded.update((str(c), str(d)) for c, d in conn.execute(stmt.text, params))
            return recorded

        def enqueue(changes: list[Change]) -> int:
            if changes:
                rows = inbox_values(changes, stamp, change_text)
                if self._bind:  # none on SQLite today: its text and integer types pass as is
                    rows = [
                        tuple(self._bind[i](v) if i in self._bind else v for i, v in enumerate(r))
                        for r in rows
                    ]
                conn.executemany(_INBOX_INSERT, rows)
            return len(changes)

        return ingest_with(received, record, enqueue)
