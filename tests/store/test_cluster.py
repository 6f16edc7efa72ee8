"""Replicas in the store: leadership by a leased row with a fencing token, claims that name
their holder and are renewed by its heartbeat, taken over once their lease ran out, and taken
back at once by a replica that restarts. Two replicas are two stores (two engines) on one
database, as two processes would be. A lease that "ran out" is one granted for 0 seconds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from syncd.store import cluster, outbox
from syncd.store.cluster import Fence
from syncd.store.repository import Store
from syncd.store.tables import outbox as outbox_table


@pytest.fixture
def other(store: Store, store_url: str) -> Iterator[Store]:
    """A second replica's store on the same database."""
    s = Store.open(store_url, migrate=False)
    yield s
    s.close()


def _action(key: str, lane: str = "L1") -> dict[str, object]:
    return {"key": key, "lane": lane, "kind": "add_comment"}


def test_one_leader_per_role_and_a_lapsed_role_changes_hands(store: Store) -> None:
    with store.tx() as tx:
        first = cluster.lead(tx, "poll:zd", "a", 60.0)
        assert cluster.lead(tx, "poll:zd", "b", 60.0) is None  # a holds it
        assert cluster.lead(tx, "poll:zd", "a", 60.0) == first  # renewed, same token
        assert cluster.lead(tx, "jobs", "b", 60.0) is not None  # another role, another leader
        cluster.lead(tx, "poll:zd", "a", 0.0)  # a's renewal that runs out at once
        taken = cluster.lead(tx, "poll:zd", "b", 60.0)
    assert first is not None and taken is not None and taken > first


def test_a_stale_leader_is_fenced(store: Store) -> None:
    with store.tx() as tx:
        old = cluster.lead(tx, "poll:zd", "a", 0.0)
        assert old is not None
        stale = Fence("poll:zd", "a", old)
        assert not cluster.fenced(tx, stale)  # lapsed, but no one took over: a may write
        new = cluster.lead(tx, "poll:zd", "b", 60.0)
        assert new is not None
        assert cluster.fenced(tx, stale)
        assert not cluster.fenced(tx, Fence("poll:zd", "b", new))
        # a takes it back later: its old token stays refused, the new one is accepted
        cluster.resign(tx, "poll:zd", "b")
        again = cluster.lead(tx, "poll:zd", "a", 60.0)
        assert again is not None and again > new
        assert cluster.fenced(tx, stale)
        assert not cluster.fenced(tx, Fence("poll:zd", "a", again))
        assert cluster.fenced(tx, Fence("poll:nobody-leads-this", "a", 1))


def test_a_heartbeat_renews_its_claims_and_a_dead_replicas_are_taken_over(
    store: Store, other: Store, store_url: str
) -> None:
    with store.tx() as tx:
        outbox.add(tx, [_action("k1", "L1"), _action("k2", "L2")])
        cluster.join(tx, "a", "run-1", "host", 1)
        mine, _ = outbox.claim(tx, outbox.due(tx, 10), lease=0.0, by="a")
    assert len(mine) == 2
    with store.tx() as tx:
        assert cluster.beat(tx, "a", "run-1", "up", 3600.0) == 2  # renewed before b looks
    with other.tx() as tx:
        assert outbox.due(tx, 10) == []  # a is alive: its claims stay its own
    with store.tx() as tx:  # a dies: its last renewal was a lease that runs out at once
        cluster.beat(tx, "a", "run-1", "up", 0.0)
    # a third replica looks (the second looked a moment ago: it looks again within a second)
    third = Store.open(store_url, migrate=False)
    try:
        with third.tx() as tx:
            taken, _ = outbox.claim(tx, outbox.due(tx, 10), lease=60.0, by="b")
    finally:
        third.close()
    assert sorted(r.key for r, _ in taken) == ["k1", "k2"]
    assert [n for _, n in taken] == [2, 2]  # a crash mid-call counts as an attempt
    with store.tx() as tx:
        holders = tx.execute(sa.select(outbox_table.c.claimed_by)).scalars().all()
        assert set(holders) == {"b"}
        assert cluster.beat(tx, "a", "run-1", "up", 3600.0) == 0  # a holds nothing now


def test_a_restarted_replica_takes_back_its_own_claims_at_once(store: Store, other: Store) -> None:
    with store.tx() as tx:
        outbox.add(tx, [_action("k1", "L1"), _action("k2", "L2")])
        cluster.join(tx, "a", "run-1", "host", 1)
        outbox.claim(tx, outbox.due(tx, 1), lease=3600.0, by="a")
    with other.tx() as tx:
        outbox.claim(tx, outbox.due(tx, 1), lease=3600.0, by="b")
    with store.tx() as tx:  # a starts again (a new instance, the same id)
        cluster.join(tx, "a", "run-2", "host", 2)
        assert cluster.reclaim(tx, "a") == 1
        again, _ = outbox.claim(tx, outbox.due(tx, 10), lease=60.0, by="a")
    assert [r.key for r, _ in again] == ["k1"]  # b's claim is b's
    with store.tx() as tx:
        assert cluster.beat(tx, "a", "run-1", "up", 60.0) == 0  # the old run is not a
        snap = cluster.snapshot(tx, 60.0)
    assert snap.claims == {"a": {"inbox": 0, "outbox": 1}, "b": {"inbox": 0, "outbox": 1}}
    assert [(r["id"], r["alive"]) for r in snap.replicas] == [("a", True)]


def test_inbox_claims_name_their_holder(store: Store) -> None:
    from syncd.model import Change, ChangeKind, Ref

    change = Change(kind=ChangeKind.TOUCHED, ref=Ref.ticket("zd", "1"), source="webhook")
    store.replica_id = "a"
    with store.tx() as tx:
        store.enqueue(tx, [change])
        rows, _ = store.take_inbox(tx, store.next_inbox(tx, 10), lease=0.0)
        assert len(rows) == 1
        assert cluster.snapshot(tx, 60.0).claims == {"a": {"inbox": 1, "outbox": 0}}
        assert cluster.beat(tx, "a", "never-joined", "up", 60.0) == 0
        cluster.join(tx, "a", "run-1", "host", 1)
        assert cluster.beat(tx, "a", "run-1", "up", 60.0) == 1
        assert cluster.reclaim(tx, "a") == 1
        assert store.next_inbox(tx, 10) != []
