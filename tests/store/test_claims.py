"""A worker claims a batch of inbox rows in one statement; a row is claimed once."""

from __future__ import annotations

from syncd.model import Change, ChangeKind, Ref
from syncd.store.repository import Store


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
