"""A worker claims a batch of inbox rows in one statement; a row is claimed once; what
blocks a lane is found by index seeks however many rows wait in it."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from syncd.model import Change, ChangeKind, Ref
from syncd.store import outbox
from syncd.store.queue import SWEEP_EVERY
from syncd.store.repository import Store
from tests.store.conftest import statements_sent


def _change(key: str) -> Change:
    return Change(kind=ChangeKind.TOUCHED, ref=Ref.ticket("zd", key), source="webhook")


def test_take_inbox_takes_each_row_once(store: Store) -> None:
    with store.tx() as tx:
        store.enqueue(tx, [_change("1"), _change("2"), _change("3")])
    with store.tx() as tx:
        rows = store.next_inbox(tx, 10)
    ids = [r.id for r in rows]
    assert len(ids) == 3
    with store.tx() as tx:
        first, _ = store.take_inbox(tx, rows[:2])
    with store.tx() as tx:
        second, _ = store.take_inbox(tx, rows)
    assert {r.id for r in first} == set(ids[:2])
    assert {r.id for r in second} == {ids[2]}
    with store.tx() as tx:
        assert store.take_inbox(tx, []) == ([], [])
        assert store.next_inbox(tx, 10) == []  # all claimed, none due again before the lease


def _plans(
    store: Store, call: Callable[[sa.Connection], object], marker: str = "UNION ALL"
) -> list[str]:
    """SQLite's plan for every statement ``call`` sends that looks for blocking rows."""
    with (
        statements_sent(store, lambda statement: marker in statement) as sent,
        store.tx() as tx,
    ):
        call(tx)
    assert sent, "no statement looked for blocking rows"
    with store.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        return [
            " / ".join(row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {sql}", params))
            for sql, params in sent
        ]


def test_blocking_rows_are_found_by_seeks_whatever_waits_behind(sqlite_store: Store) -> None:
    """A ref with thousands of changes queued: the blocking rows (busy, or pending and not
    yet due) are two seeks on (ref, state, next_at) that read no row, not a walk through
    every pending row of the ref (what made each claim slower as a burst queued up)."""
    store = sqlite_store
    with store.tx() as tx:
        store.enqueue(tx, [_change("1") for _ in range(200)])
    with store.tx() as tx:
        first = store.next_inbox(tx, 1)
        store.retry_inbox(tx, first[0].id, "boom", delay=3600)
    plans = _plans(store, lambda tx: store.next_inbox(tx, 10))
    for plan in plans:
        assert plan.count("USING COVERING INDEX ix_inbox_ref_state_next") == 2, plan
        assert "ref=? AND state=? AND next_at>?" in plan, plan
    with store.tx() as tx:
        assert store.next_inbox(tx, 10) == []  # ticket 1 waits behind its retried change
    with store.tx() as tx:
        outbox.add(tx, [{"key": f"a{n}", "lane": "L1", "kind": "add_comment"} for n in range(50)])
    plans = _plans(store, lambda tx: outbox.due(tx, 10), marker="GROUP BY")
    for plan in plans:  # each lane's oldest unfinished row: a seek, not a walk of the lane
        assert "USING COVERING INDEX ix_outbox_lane_state_next" in plan, plan


def test_finished_rows_are_deleted_in_one_execution(store: Store) -> None:
    """The worker finishes its whole batch at once: one execution, not one per row."""
    with store.tx() as tx:
        store.enqueue(tx, [_change(str(n)) for n in range(5)])
    with store.tx() as tx:
        rows, _ = store.take_inbox(tx, store.next_inbox(tx, 10))

    def deleting(statement: str) -> bool:
        return statement.lstrip().upper().startswith("DELETE FROM INBOX")

    with statements_sent(store, deleting) as sent, store.tx() as tx:
        store.finish_inbox(tx, *(r.id for r in rows[:4]))
        store.finish_inbox(tx)  # nothing to finish: no statement
    assert len(sent) == 1
    assert store.depth()["inbox"] == 1


def test_leases_that_ran_out_are_looked_for_at_most_every_so_often(store: Store) -> None:
    """Looking for busy rows whose lease ran out is a statement; a claim does it only every
    ``SWEEP_EVERY`` seconds, or at once after this process granted a lease that ran out.
    A row another process left busy (it died) still comes back."""

    def sweeping(statement: str) -> bool:
        text = " ".join(statement.split()).upper()
        return text.startswith("UPDATE INBOX SET STATE") and "NEXT_AT <" in text

    with store.tx() as tx:
        store.enqueue(tx, [_change("1"), _change("2")])
    began = time.monotonic()
    with statements_sent(store, sweeping) as sent:
        for _ in range(3):
            with store.tx() as tx:
                store.next_inbox(tx, 10)
    # three claims in a row: one sweep at most, one more per SWEEP_EVERY they took on a
    # busy machine (never one per claim)
    allowed = 1 + int((time.monotonic() - began) // SWEEP_EVERY)
    assert len(sent) <= allowed, sent
    with store.tx() as tx:
        mine, _ = store.take_inbox(tx, store.next_inbox(tx, 1), lease=-1)
    with statements_sent(store, sweeping) as sent, store.tx() as tx:
        assert store.next_inbox(tx, 10)[0].id == mine[0].id  # back at once
    assert len(sent) == 1
    # another process's claim, its lease run out: noticed within SWEEP_EVERY
    with store.tx() as tx:
        tx.execute(
            sa.text("UPDATE inbox SET state = 'working', next_at = :t"),
            {"t": datetime.now(UTC) - timedelta(seconds=5)},
        )
    deadline = time.monotonic() + 10 * SWEEP_EVERY
    back: list[int] = []
    while not back and time.monotonic() < deadline:
        with store.tx() as tx:
            back = [r.id for r in store.next_inbox(tx, 10)]
        time.sleep(SWEEP_EVERY / 10)
    assert len(back) == 2


def test_a_lane_held_at_the_head_does_not_starve_the_lanes_behind_it(store: Store) -> None:
    """A ticket whose first change waits (for its link) and whose later changes fill more
    than a claim's worth of rows: a change of another ticket behind them is still given."""
    with store.tx() as tx:
        store.enqueue(tx, [_change("held")] * 130 + [_change("free")])
        first = store.next_inbox(tx, 1)[0]
        store.hold_inbox(tx, [first.id], "waits for its escalation's link", 60)
    with store.tx() as tx:
        due = store.next_inbox(tx, 50)
    assert [r.ref for r in due] == ["zd:ticket:free"]
    with store.tx() as tx:
        assert store.wake_inbox(tx, ["zd:ticket:held"]) == 1
        due = store.next_inbox(tx, 50)
    assert len(due) == 50 and due.full and due[0].id == first.id  # its lane goes first again


def test_an_action_waiting_at_the_head_does_not_starve_the_outbox(store: Store) -> None:
    waiting = [
        {"key": f"wait:{n}", "lane": f"zd:ticket:{n}", "kind": "update_ticket"} for n in range(60)
    ]
    behind = [
        {"key": f"then:{n}", "lane": f"zd:ticket:{n}", "kind": "add_comment"} for n in range(60)
    ]
    with store.tx() as tx:
        outbox.add(tx, waiting + behind + [{"key": "other", "lane": "zd:ticket:x", "kind": "x"}])
        rows = outbox.due(tx, 200)
        for row in rows[:60]:
            outbox.hold(tx, row.id, "waits", 60)
    with store.tx() as tx:
        assert [r.key for r in outbox.due(tx, 50)] == ["other"]


def test_what_people_read_goes_first_one_row_per_lane(store: Store) -> None:
    """When only some actions may go (a vendor's limit), the lanes whose next action people
    read go before those whose next one is bookkeeping; a lane never gives more than its
    oldest unfinished action, so a busy ticket cannot take a whole batch."""
    rows = [
        {"key": "summary", "lane": "zd:ticket:1", "kind": "upsert_comment", "urgency": 2},
        {"key": "labels", "lane": "zd:ticket:2", "kind": "update_issue", "urgency": 2},
        {"key": "handoff", "lane": "zd:ticket:3", "kind": "update_ticket", "urgency": 0},
        {"key": "then", "lane": "zd:ticket:3", "kind": "update_ticket", "urgency": 0},
        {"key": "create", "lane": "zd:ticket:4", "kind": "create_issue", "urgency": 0},
        {"key": "status", "lane": "zd:ticket:5", "kind": "update_issue", "urgency": 1},
    ]
    with store.tx() as tx:
        outbox.add(tx, rows)
        assert [r.key for r in outbox.due(tx, 10)] == [
            "handoff",
            "create",
            "status",
            "summary",
            "labels",
        ]
        assert [r.key for r in outbox.due(tx, 2)] == ["handoff", "create"]
