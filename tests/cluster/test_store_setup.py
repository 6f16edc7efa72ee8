"""PostgreSQL as replicas use it: migrations that run once when replicas start together, a
bounded pool per replica, statements never prepared on the server when asked (PgBouncer),
and cluster settings whose heartbeat fits within the leases."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from syncd.errors import ConfigError
from syncd.settings import parse
from syncd.store import db
from syncd.store.repository import Store


@pytest.mark.postgres
def test_replicas_starting_together_migrate_once(pg_url: str) -> None:
    stores: list[Store] = []
    failures: list[BaseException] = []
    start = threading.Barrier(4)

    def open_store() -> None:
        try:
            start.wait()
            stores.append(Store.open(pg_url, pool_size=2, max_overflow=0))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert failures == []
        revision, head = db.current(stores[0].engine)
        assert revision == head
        pool = stores[0].engine.pool
        assert isinstance(pool, sa.QueuePool) and pool.size() == 2
    finally:
        for s in stores:
            s.close()


@pytest.mark.postgres
@pytest.mark.parametrize("server_prepared", [True, False])
def test_no_statement_is_prepared_on_the_server_when_asked(
    pg_url: str, server_prepared: bool
) -> None:
    store = Store.open(pg_url, server_prepared=server_prepared)
    try:
        with store.engine.connect() as conn:
            for _ in range(10):  # psycopg prepares from a statement's fifth run on
                conn.execute(sa.text("SELECT count(*) FROM inbox WHERE id > :n"), {"n": 0})
            prepared = conn.execute(sa.text("SELECT count(*) FROM pg_prepared_statements"))
            assert (prepared.scalar() or 0) > 0 if server_prepared else prepared.scalar() == 0
    finally:
        store.close()


def test_a_heartbeat_longer_than_half_a_lease_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        parse({"cluster": {"claim_lease": 2.0, "heartbeat": 1.5}})
    assert "cluster" in str(caught.value) and "heartbeat" in str(caught.value)
    assert parse({"cluster": {"replica_id": "a"}}).cluster.claim_lease == 15.0
