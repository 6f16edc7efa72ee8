"""SQLite writers of one process queue on a lock held from BEGIN to COMMIT or ROLLBACK."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

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
