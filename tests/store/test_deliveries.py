"""Delivery ids: recorded many at once, each pair once; the new ones are told apart."""

from __future__ import annotations

import pytest

from syncd.store.repository import Store


def test_record_deliveries_returns_the_new_pairs(store: Store) -> None:
    with store.tx() as tx:
        assert store.record_deliveries(tx, []) == set()
        assert store.record_deliveries(tx, [("gh", "1"), ("gh", "2"), ("gh", "1")]) == {
            ("gh", "1"),
            ("gh", "2"),
        }
    with store.tx() as tx:
        # the same id under another connector is another delivery
        assert store.record_deliveries(tx, [("gh", "2"), ("zd", "2"), ("gh", "3")]) == {
            ("zd", "2"),
            ("gh", "3"),
        }
        assert store.record_deliveries(tx, [("gh", "3")]) == set()
        assert store.record_deliveries(tx, [("gh", "4")]) == {("gh", "4")}
        assert store.record_deliveries(tx, [("gh", "4")]) == set()


def test_record_deliveries_beyond_one_statement(store: Store) -> None:
    pairs = [("gh", f"d{n}") for n in range(700)]
    with store.tx() as tx:
        assert store.record_deliveries(tx, pairs[:350]) == set(pairs[:350])
    with store.tx() as tx:
        assert store.record_deliveries(tx, pairs) == set(pairs[350:])


def test_record_deliveries_writes_nothing_when_its_transaction_fails(store: Store) -> None:
    with pytest.raises(RuntimeError), store.tx() as tx:
        store.record_deliveries(tx, [("gh", "x")])
        raise RuntimeError("the inbox write failed")
    with store.tx() as tx:
        assert store.record_deliveries(tx, [("gh", "x")]) == {("gh", "x")}
