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


def _plans(store: Store, call: Callable[[sa.Connection], object]) -> list[str]:
    """SQLite's plan for every statement ``call`` sends that looks for blocking rows."""
    with (
        statements_sent(store, lambda statement: "UNION ALL" in statement) as sent,
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
    for plan in _plans(store, lambda tx: outbox.due(tx, 10)):
        assert plan.count("USING COVERING INDEX ix_outbox_lane_state_next") == 2, plan


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
    with statements_sent(store, sweeping) as sent:
        for _ in range(3):
            with store.tx() as tx:
                store.next_inbox(tx, 10)
    assert len(sent) <= 1, sent  # three claims within a second: one sweep at most
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
