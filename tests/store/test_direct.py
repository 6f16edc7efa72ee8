"""Deliveries written by the direct writer (the event loop's own SQLite connection) against
the same deliveries written through SQLAlchemy: the same rows, the same answers, and it never
waits for another writer."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from connectors.github import webhooks
from connectors.github.mapping import Rules
from syncd.model import Change, ChangeKind, Ref
from syncd.store.db import BUSY_TIMEOUT_MS, writer_lock
from syncd.store.deliveries import INBOX_COLUMNS, Received, inbox_rows
from syncd.store.direct import DirectWriter
from syncd.store.repository import Store
from tests.conftest import SAMPLES

ISSUES = SAMPLES / "github" / "payload-examples" / "api.github.com" / "issues"
WAIT = 30.0


def upserts() -> Sequence[Change]:
    """Real changes: a GitHub ``issues`` delivery parsed (issue, labels, times, people)."""
    body = (ISSUES / "opened.payload.json").read_bytes()
    headers = {"X-GitHub-Event": "issues", "X-GitHub-Delivery": "x"}
    changes = webhooks.parse(headers, body, Rules(instance="gh")).changes
    assert changes and changes[0].kind is ChangeKind.UPSERT
    return changes


def touched(key: str) -> Change:
    return Change(kind=ChangeKind.TOUCHED, ref=Ref.ticket("zd", key), actor="a")


def ingest_through_sqlalchemy(store: Store, received: Sequence[Received]) -> list[bool]:
    with store.tx() as tx:
        return store.ingest(tx, received)[0]


def ingest_directly(store: Store, received: Sequence[Received]) -> list[bool]:
    done = store.ingest_now(received)
    assert done is not None, "the store was free: the direct writer must have written"
    return done[0]


def rows(store: Store, table: str, columns: Sequence[str]) -> list[tuple[object, ...]]:
    with store.engine.connect() as conn:
        sql = f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid"
        return [tuple(r) for r in conn.exec_driver_sql(sql)]


@pytest.mark.parametrize("write", [ingest_through_sqlalchemy, ingest_directly])
def test_either_way_a_delivery_counts_once(
    sqlite_store: Store, write: Callable[[Store, Sequence[Received]], list[bool]]
) -> None:
    a, b = ("gh", "1", [touched("1")]), ("gh", "2", [touched("2"), touched("3")])
    no_id = ("gh", None, [touched("4")])
    assert write(sqlite_store, [a, b, a, no_id]) == [True, True, False, True]
    assert write(sqlite_store, [b, ("zd", "1", [touched("5")]), no_id]) == [False, True, True]
    refs = [r[0] for r in rows(sqlite_store, "inbox", ["ref"])]
    assert refs == [f"zd:ticket:{n}" for n in ("1", "2", "3", "4", "5", "4")]


def test_the_direct_writer_writes_what_sqlalchemy_writes(sqlite_store: Store) -> None:
    changes = [*upserts(), touched("9")]
    ingest_through_sqlalchemy(sqlite_store, [("gh", "via-sa", changes)])
    ingest_directly(sqlite_store, [("gh", "direct", changes)])
    inbox = rows(sqlite_store, "inbox", [*INBOX_COLUMNS, "typeof(next_at)"])
    assert len(inbox) == 2 * len(changes)
    stamp = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$")
    assert list(inbox_rows(changes[:1], datetime.now(UTC))[0]) == list(INBOX_COLUMNS)
    at = INBOX_COLUMNS.index("next_at"), INBOX_COLUMNS.index("received_at")
    doc = INBOX_COLUMNS.index("change")
    for sa_row, direct_row in zip(inbox[: len(changes)], inbox[len(changes) :], strict=True):
        for i, (x, y) in enumerate(zip(sa_row, direct_row, strict=True)):
            if i in at:  # written at different moments, in the same format
                assert stamp.match(str(x)) and stamp.match(str(y)), (x, y)
            elif i == doc:  # the same JSON document (pydantic-core writes no spaces)
                assert json.loads(str(x)) == json.loads(str(y))
            else:
                assert x == y, INBOX_COLUMNS[i] if i < len(INBOX_COLUMNS) else "typeof"
    # read back as the worker reads it: the same changes, whichever way they were written
    with sqlite_store.tx() as tx:
        read = [Change.model_validate(r.change) for r in sqlite_store.next_inbox(tx, 100)]
    assert read == [*changes, *changes]
    delivered = rows(sqlite_store, "deliveries", ["delivery_id", "received_at"])
    assert [d for d, _ in delivered] == ["via-sa", "direct"]
    assert all(stamp.match(str(t)) for _, t in delivered)


def test_the_direct_writer_never_waits_for_another_writer(
    sqlite_store: Store, sqlite_url: str
) -> None:
    lock = writer_lock(sqlite_store.engine)
    assert lock is not None
    # another thread of this process is writing: None at once, nothing written
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:
        with sqlite_store.tx():
            taken.set()
            done.wait(WAIT)

    holder = threading.Thread(target=hold)
    holder.start()
    assert taken.wait(WAIT)
    assert sqlite_store.ingest_now([("gh", "t", [touched("1")])]) is None
    done.set()
    holder.join(WAIT)

    # another process (here: another connection) holds SQLite's own lock: None at once,
    # not after the busy timeout
    other = sqlite3.connect(sqlite_url.split("sqlite:///", 1)[1], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    began = time.monotonic()
    assert sqlite_store.ingest_now([("gh", "p", [touched("2")])]) is None
    assert time.monotonic() - began < BUSY_TIMEOUT_MS / 1000 / 2
    other.execute("ROLLBACK")
    other.close()

    assert sqlite_store.ingest_now([("gh", "after", [touched("3")])]) == ([True], 1)
    assert rows(sqlite_store, "deliveries", ["delivery_id"]) == [("after",)]
    assert lock.acquire(blocking=False)  # nothing kept the process's lock
    lock.release()
    # the pool's connections still wait for other processes as any writer does
    with sqlite_store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS


def test_a_failed_direct_write_keeps_nothing_and_frees_the_lock(sqlite_store: Store) -> None:
    with sqlite_store.tx() as tx:
        tx.exec_driver_sql(
            "CREATE TRIGGER down BEFORE INSERT ON inbox BEGIN SELECT RAISE(ABORT, 'down'); END"
        )
    with pytest.raises(sqlite3.DatabaseError, match="down"):
        sqlite_store.ingest_now([("gh", "f", [touched("1")])])
    with sqlite_store.tx() as tx:
        tx.exec_driver_sql("DROP TRIGGER down")
    assert rows(sqlite_store, "deliveries", ["delivery_id"]) == []  # the id went too
    # the lock and the connection are free for the next batch: the retry is new
    assert sqlite_store.ingest_now([("gh", "f", [touched("1")])]) == ([True], 1)
    # closed with the store, and opened again when next used
    sqlite_store.direct.close()
    assert sqlite_store.ingest_now([("gh", "g", [])]) == ([True], 0)


def test_the_direct_writer_is_never_used_on_postgresql(pg_url: str) -> None:
    store = Store.open(pg_url)
    try:
        assert not store.direct.usable
        assert store.ingest_now([("gh", "x", [touched("1")])]) is None
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM deliveries").scalar() == 0
    finally:
        store.close()


def test_the_direct_writer_is_never_used_on_a_database_in_memory() -> None:
    # another connection to ":memory:" would be another, empty database
    for url in ("sqlite://", "sqlite:///:memory:"):
        engine = sa.create_engine(url)
        assert not DirectWriter(engine).usable
        assert DirectWriter(engine).ingest([("gh", "x", [touched("1")])]) is None
        engine.dispose()


def test_ingest_after_ingest_now_sees_the_same_ids(sqlite_store: Store) -> None:
    assert ingest_directly(sqlite_store, [("gh", "d", [touched("1")])]) == [True]
    assert ingest_through_sqlalchemy(sqlite_store, [("gh", "d", [touched("1")])]) == [False]
    with sqlite_store.engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM inbox")).scalar_one()
    assert count == 1
