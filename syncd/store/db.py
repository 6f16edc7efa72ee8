"""Engine creation and migrations. SQLite runs in WAL mode; PostgreSQL runs the same code."""

from __future__ import annotations

import threading
import weakref
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).parent / "migrations"
_HOLDS_LOCK = "syncd_write_lock"
BUSY_TIMEOUT_MS = 10_000  # how long SQLite waits for another process's write lock
CHECKPOINT_EVERY = 1.0  # seconds between the service's WAL checkpoints (SQLite)
WAL_LIMIT_BYTES = 64 * 2**20  # a WAL file that starts over is cut back to this size
READ_ONLY = "syncd_read_only"  # set on a connection that only reads (Store.peek)
# a SQLite engine's writers' lock: this process's writers take turns on it
_WRITER_LOCKS: weakref.WeakKeyDictionary[sa.Engine, threading.RLock] = weakref.WeakKeyDictionary()


def sqlite_pragmas(dbapi_conn: Any, _record: Any = None, *, busy_ms: int = BUSY_TIMEOUT_MS) -> None:
    """Set what every connection to a SQLite store runs with."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; WAL keeps commits atomic
    cur.execute(f"PRAGMA busy_timeout={busy_ms}")
    # no checkpoint inside a writer's commit, where it held the write lock for milliseconds
    # (and the event loop, for the intake's commits): the service runs them in the
    # background, see checkpoint()
    cur.execute("PRAGMA wal_autocheckpoint=0")
    cur.execute(f"PRAGMA journal_size_limit={WAL_LIMIT_BYTES}")  # what a burst leaves on disk
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_engine(
    url: str,
    *,
    echo: bool = False,
    pool_size: int = 8,
    max_overflow: int = 16,
    server_prepared: bool = True,
) -> sa.Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and one connection per thread.
    A process opens at most ``pool_size + max_overflow`` connections to PostgreSQL; without
    ``server_prepared`` psycopg never prepares statements on the server (a PgBouncer in
    transaction mode without ``max_prepared_statements`` loses them between transactions)."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url, echo=echo, connect_args={"check_same_thread": False}, pool_size=8, max_overflow=16
        )
        sa.event.listen(engine, "connect", sqlite_pragmas)
        sa.event.listen(engine, "connect", _no_pysqlite_begin)
        _serialise_writers(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    args: dict[str, Any] = {} if server_prepared else {"prepare_threshold": None}
    return sa.create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        connect_args=args,
    )


def _serialise_writers(engine: sa.Engine) -> None:
    """Take SQLite's write lock at BEGIN (BEGIN IMMEDIATE, so two writers never deadlock on
    upgrade), after a lock of this process.

    SQLite's busy handler waits by sleeping in growing steps (up to 100 ms), so threads that
    queue on it miss the moment the lock frees: under load a webhook waited hundreds of
    milliseconds for a write of a fraction of one. Queued on a Python lock, each takes over
    as soon as the previous transaction ends; other processes still meet the busy timeout.
    """
    lock = _WRITER_LOCKS[engine] = threading.RLock()

    def begin(conn: sa.Connection) -> None:
        if conn.info.get(READ_ONLY):
            return  # a look without writes: no lock, each statement reads the latest commit
        lock.acquire()
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            lock.release()
            raise
        conn.info[_HOLDS_LOCK] = True

    def end(conn: sa.Connection, finish: str) -> None:
        # SQLAlchemy announces a commit or rollback before it asks the driver for it: end the
        # transaction here, so the next writer never meets SQLite's lock still held (the
        # driver's own call afterwards finds no transaction and does nothing)
        if conn.info.pop(_HOLDS_LOCK, False):
            try:
                getattr(conn.connection.dbapi_connection, finish)()
            finally:
                lock.release()

    sa.event.listen(engine, "begin", begin)
    sa.event.listen(engine, "commit", lambda conn: end(conn, "commit"))
    sa.event.listen(engine, "rollback", lambda conn: end(conn, "rollback"))


def checkpoint(engine: sa.Engine) -> tuple[int, int, int] | None:
    """Copy what the WAL holds into the database file so that the WAL starts over:
    (1 if it could not finish, pages in the WAL, pages copied). None on PostgreSQL.

    Two ``PASSIVE`` passes, which never wait for a reader. The first runs beside the
    writers and copies nearly everything; but they append meanwhile, so alone it never
    finishes under a steady load, and the WAL, which starts over only after a checkpoint
    that finished, would grow for as long as the load lasts (every commit a little slower).
    The second pass holds this process's writers' lock and copies what came in during the
    first: short, and complete, so the next write starts the WAL over (a reader still on
    an old snapshot can delay that to the next checkpoint).

    The service calls it every ``CHECKPOINT_EVERY`` seconds: SQLite's own checkpoint, at
    the commit that passes 1,000 pages in the WAL, is off (see :func:`sqlite_pragmas`).
    Closing the last connection checkpoints too, so a short command needs none."""
    if engine.dialect.name != "sqlite":
        return None
    lock = writer_lock(engine)
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        done = raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if lock is not None:
            with lock:
                done = raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        busy, pages, copied = done
        return int(busy), int(pages), int(copied)


def writer_lock(engine: sa.Engine) -> threading.RLock | None:
    """The lock this process's writers take before SQLite's own (None for PostgreSQL)."""
    return _WRITER_LOCKS.get(engine)


def _no_pysqlite_begin(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite's own implicit BEGIN would defeat BEGIN IMMEDIATE above
    dbapi_conn.isolation_level = None


def alembic_config(engine: sa.Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


MIGRATION_LOCK = 0x73796E6364  # the advisory lock replicas migrate under ("syncd")


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision``. On PostgreSQL under a transaction-level advisory
    lock: replicas that start together migrate one after the other, the later ones finding
    nothing left to do (the lock ends with the transaction, so it works behind PgBouncer in
    transaction mode too)."""
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current(engine: sa.Engine) -> tuple[str | None, str | None]:
    """(revision of the database, head revision of the code)."""
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as conn:
        rev = MigrationContext.configure(conn).get_current_revision()
    return rev, head
