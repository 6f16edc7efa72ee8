"""SQLite writers of one process queue on a lock held from BEGIN to COMMIT or ROLLBACK."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa

from syncd.store.db import BUSY_TIMEOUT_MS, writer_lock
from syncd.store.repository import Store
from syncd.store.tables import deliveries


def test_a_failed_transaction_lets_the_next_writer_in(sqlite_url: str) -> None:
    store = Store.open(sqlite_url)
    with pytest.raises(RuntimeError), store.tx() as tx:
        store.record_deliveries(tx, [("gh", "a")])
        raise RuntimeError("boom")
    done = threading.Event()

    def other() -> None:
        with store.tx() as tx:
            store.record_deliveries(tx, [("gh", "b")])
        done.set()

    threading.Thread(target=other).start()
    assert done.wait(5), "the rolled-back transaction kept the write lock"
    with store.engine.connect() as conn:
        ids = conn.execute(sa.select(deliveries.c.delivery_id)).scalars().all()
    assert ids == ["b"]
    store.close()


def test_many_threads_write_without_busy_errors(sqlite_url: str) -> None:
    store = Store.open(sqlite_url)
    errors: list[Exception] = []

    def writer(w: int) -> None:
        try:
            for i in range(50):
                with store.tx() as tx:
                    store.record_deliveries(tx, [("gh", f"{w}-{i}")])
        except Exception as exc:  # any failure fails the test below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(deliveries)).scalar() == 600
    store.close()


def test_tx_if_free_never_waits_for_a_writer(sqlite_url: str) -> None:
    store = Store.open(sqlite_url)
    lock = writer_lock(store.engine)
    assert lock is not None
    # free: a transaction at once, and what it writes is committed
    with store.tx_if_free() as tx:
        assert tx is not None
        store.record_deliveries(tx, [("gh", "free")])

    # another thread of this process is writing: None, without waiting
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:
        with store.tx():
            taken.set()
            done.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert taken.wait(30)
    with store.tx_if_free() as tx:
        assert tx is None
    done.set()
    holder.join(30)

    # another process (here: another connection) holds SQLite's own lock: None at once,
    # not after the busy timeout, and the connection keeps its timeout for ordinary writers
    path = sqlite_url.split("sqlite:///", 1)[1]
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    began = time.monotonic()
    with store.tx_if_free() as tx:
        assert tx is None
    assert time.monotonic() - began < BUSY_TIMEOUT_MS / 1000 / 2
    other.execute("ROLLBACK")
    other.close()
    with store.tx_if_free() as tx:
        assert tx is not None
        raw = tx.connection.dbapi_connection
        assert raw is not None
        store.record_deliveries(tx, [("gh", "after")])
    # back in the pool, the connection waits for other processes as any writer does
    assert raw.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS
    with store.engine.connect() as conn:
        ids = conn.execute(sa.select(deliveries.c.delivery_id)).scalars().all()
    assert sorted(ids) == ["after", "free"]
    assert lock.acquire(blocking=False)  # nothing kept the process's lock
    lock.release()
    store.close()


def test_tx_if_free_is_never_given_on_postgresql(pg_url: str) -> None:
    store = Store.open(pg_url)
    try:
        assert writer_lock(store.engine) is None
        with store.tx_if_free() as tx:
            assert tx is None
    finally:
        store.close()
