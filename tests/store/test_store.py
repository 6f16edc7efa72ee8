"""The store on SQLite and PostgreSQL: migrations, inbox order, dedup, outbox lanes, dead
letters, cursors, shadows, links."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from syncd.model import Change, ChangeKind, Ref
from syncd.store import db, outbox
from syncd.store.repository import Store


def change(key: str, n: int = 0) -> Change:
    return Change(kind=ChangeKind.TOUCHED, ref=Ref.ticket("zd", key), actor=str(n))


def test_migrations_reach_head(store: Store) -> None:
    rev, head = db.current(store.engine)
    assert rev == head and head is not None and head >= "0002"  # 0002: sla_clocks
    db.upgrade(store.engine)  # idempotent
    names = set(sa.inspect(store.engine).get_table_names())
    assert {
        "links",
        "shadows",
        "inbox",
        "outbox",
        "cursors",
        "comment_map",
        "audit",
        "dead_letters",
        "deliveries",
        "sla_clocks",
    } <= names


def test_sqlite_runs_in_wal_mode(sqlite_url: str) -> None:
    s = Store.open(sqlite_url)
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_delivery_ids_dedupe(store: Store) -> None:
    with store.tx() as tx:
        assert store.record_deliveries(tx, [("gh", "d1")]) == {("gh", "d1")}
        assert store.record_deliveries(tx, [("gh", "d1")]) == set()
        assert store.record_deliveries(tx, [("zd", "d1")]) == {("zd", "d1")}  # per connector


def test_inbox_keeps_order_per_ref(store: Store) -> None:
    with store.tx() as tx:
        store.enqueue(tx, [change("1", 0), change("2", 0), change("1", 1), change("1", 2)])
    with store.tx() as tx:
        rows = store.next_inbox(tx, 10)
    # every due row in id order: a ref's rows come in its own order
    assert [(r.ref, r.change["actor"]) for r in rows] == [
        ("zd:ticket:1", "0"),
        ("zd:ticket:2", "0"),
        ("zd:ticket:1", "1"),
        ("zd:ticket:1", "2"),
    ]
    with store.tx() as tx:
        store.retry_inbox(tx, rows[0].id, "boom", delay=3600)
        rows2 = store.next_inbox(tx, 10)
    # ticket 1 is blocked behind its failed first change; ticket 2 was not finished either
    assert [r.ref for r in rows2] == ["zd:ticket:2"]
    with store.tx() as tx:
        store.finish_inbox(tx, rows2[0].id)
    assert store.depth()["inbox"] == 3


def test_inbox_claims_keep_a_ref_behind_a_row_taken_elsewhere(store: Store) -> None:
    with store.tx() as tx:
        store.enqueue(tx, [change("1", 0), change("2", 0), change("1", 1)])
    with store.tx() as tx:
        seen = store.next_inbox(tx, 10)
        # another worker claims ticket 1's first change between our read and our claim
        other, _ = store.take_inbox(tx, seen[:1])
        assert [r.id for r in other] == [seen[0].id]
        mine, back = store.take_inbox(tx, seen)
        # ticket 1's second change must not overtake its first: it goes back
        assert [r.ref for r in mine] == ["zd:ticket:2"]
        assert back == [seen[2].id]
        store.release_inbox(tx, back)
        # the first change is still being worked on, so nothing of ticket 1 is due
        assert [r.ref for r in store.next_inbox(tx, 10)] == []


def _action(key: str, lane: str) -> dict[str, object]:
    return {"key": key, "lane": lane, "kind": "add_comment"}


def test_outbox_keys_are_idempotent_and_lanes_ordered(store: Store) -> None:
    with store.tx() as tx:
        assert outbox.add(tx, [_action("a1", "L1"), _action("a2", "L1"), _action("b1", "L2")]) == 3
        assert outbox.add(tx, [_action("a1", "L1")]) == 0
    with store.tx() as tx:
        due = outbox.due(tx, 10)
    assert [r.key for r in due] == ["a1", "b1"]  # one per lane, each lane's oldest
    with store.tx() as tx:
        outbox.claim(tx, due[:1])
        assert [r.key for r in outbox.due(tx, 10)] == ["b1"]  # a2 waits for a1
        outbox.done(tx, due[0].id)
        again = outbox.due(tx, 10)
        assert [r.key for r in again] == ["a2", "b1"]
        outbox.retry(tx, again[0].id, "503", delay=3600)
        assert [r.key for r in outbox.due(tx, 10)] == ["b1"]


def test_outbox_claim_counts_attempts_and_release_gives_them_back(store: Store) -> None:
    with store.tx() as tx:
        outbox.add(tx, [_action("a1", "L1"), _action("a2", "L1"), _action("b1", "L2")])
        due = outbox.due(tx, 10)
        mine, back = outbox.claim(tx, due)
        assert [(r.key, attempt) for r, attempt in mine] == [("a1", 1), ("b1", 1)]
        assert back == []
        assert outbox.due(tx, 10) == []  # all running, or behind a running one
        # a1 failed: due again with its attempt counted; b1 never ran: given back uncounted
        outbox.retry(tx, due[0].id, "503", delay=0)
        outbox.release(tx, [due[1].id])
        again, _ = outbox.claim(tx, outbox.due(tx, 10))
        assert [(r.key, attempt) for r, attempt in again] == [("a1", 2), ("b1", 1)]


def test_dead_letters_replay(store: Store) -> None:
    with store.tx() as tx:
        outbox.add(tx, [_action("x", "L"), _action("y", "L")])
        row = outbox.due(tx, 1)[0]
        outbox.dead(tx, row, "PermanentError: 422 invalid")
        # a dead action does not block its lane
        assert [r.key for r in outbox.due(tx, 10)] == ["y"]
        dead = outbox.list_dead(tx)
        assert [(d.key, d.reason) for d in dead] == [("x", "PermanentError: 422 invalid")]
    with store.tx() as tx:
        assert outbox.replay(tx) == 1
        assert outbox.list_dead(tx) == []
        # the replayed action is older than the one still pending: it goes first again
        assert [r.key for r in outbox.due(tx, 10)] == ["x"]


def test_running_action_with_expired_lease_comes_back(store: Store) -> None:
    with store.tx() as tx:
        outbox.add(tx, [_action("k", "L")])
        row = outbox.due(tx, 1)[0]
        assert [attempt for _, attempt in outbox.claim(tx, [row], lease=-1)[0]] == [1]
    with store.tx() as tx:
        again = outbox.due(tx, 1)
        assert [r.key for r in again] == ["k"]
        assert [attempt for _, attempt in outbox.claim(tx, again)[0]] == [2]


def test_a_cursor_is_swapped_only_from_the_value_read(store: Store) -> None:
    with store.tx() as tx:
        assert store.swap_cursor(tx, "gh", None, "c1")  # none stored yet
    with store.tx() as tx:
        assert not store.swap_cursor(tx, "gh", None, "c2")
        assert not store.swap_cursor(tx, "gh", "c0", "c2")  # a reset came in between
        assert store.swap_cursor(tx, "gh", "c1", "c2")
    assert store.cursor("gh") == "c2"
    assert [(r.connector, r.value) for r in store.all_cursors()] == [("gh", "c2")]


def test_cursor_shadow_link_roundtrip(store: Store) -> None:
    with store.tx() as tx:
        store.set_cursor(tx, "gh", "c1")
        store.set_cursor(tx, "gh", "c2")
        store.put_shadow(tx, "zd:ticket:1", observed={"status": "open"}, written={"status": "x"})
        link = store.create_link(
            tx, ticket_ref="zd:ticket:1", issue_ref="gh:issue:a#1", route="r", mode="pending"
        )
        assert (
            store.create_link(
                tx, ticket_ref="zd:ticket:1", issue_ref="gh:issue:a#2", route="r", mode="pending"
            ).id
            == link.id
        )
        store.update_link(tx, link.id, state="resolved")
        store.map_comment(tx, "gh:comment:1", "zd:comment:9", link.id)
        store.map_comment(tx, "gh:comment:1", "zd:comment:9", link.id)
    assert store.cursor("gh") == "c2"
    with store.tx() as tx:
        sh = store.shadow(tx, "zd:ticket:1")
        assert sh.observed == {"status": "open"} and sh.written == {"status": "x"}
        assert store.links_for_issue(tx, "gh:issue:a#1")[0].state == "resolved"
        assert store.comment_targets(tx, "gh:comment:1") == [("zd:comment:9", link.id)]
        assert store.is_comment_copy(tx, "zd:comment:9")


@pytest.mark.parametrize("writers", [4])
def test_concurrent_ingest_loses_nothing(store: Store, writers: int) -> None:
    def ingest(w: int) -> None:
        for i in range(25):
            with store.tx() as tx:
                if store.record_deliveries(tx, [("gh", f"{w}-{i}")]):
                    store.enqueue(tx, [change(str(i), w)])

    threads = [threading.Thread(target=ingest, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.depth()["inbox"] == writers * 25
