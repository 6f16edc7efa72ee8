"""A worker claims a batch of inbox rows in one statement; a row is claimed once."""

from __future__ import annotations

from syncd.model import Change, ChangeKind, Ref
from syncd.store.repository import Store


def _change(key: str) -> Change:
    return Change(kind=ChangeKind.TOUCHED, ref=Ref.ticket("zd", key), source="webhook")


def test_claim_many_takes_each_row_once(store: Store) -> None:
    with store.tx() as tx:
        store.enqueue(tx, [_change("1"), _change("2"), _change("3")])
    with store.tx() as tx:
        ids = [r.id for r in store.next_inbox(tx, 10)]
    assert len(ids) == 3
    with store.tx() as tx:
        first = store.claim_many(tx, ids[:2])
    with store.tx() as tx:
        second = store.claim_many(tx, ids)
    assert first == set(ids[:2])
    assert second == {ids[2]}
    with store.tx() as tx:
        assert store.claim_many(tx, []) == set()
        assert store.next_inbox(tx, 10) == []  # all claimed, none due again before the lease
