"""What the history pages keep in the store, on SQLite and PostgreSQL: the signing secret
syncd makes once, and the last share of each link."""

from __future__ import annotations

from syncd.store.history import kept_secret, last_shares
from syncd.store.repository import Store


def test_the_secret_is_made_once_and_kept(store_url: str) -> None:
    first = Store.open(store_url)
    try:
        made = kept_secret(first)
        assert len(made) == 64 and kept_secret(first) == made
        assert kept_secret(first, "other") != made  # each name its own
    finally:
        first.close()
    again = Store.open(store_url)  # a restart, or another replica
    try:
        assert kept_secret(again) == made
    finally:
        again.close()


def test_last_shares_are_the_newest_per_link(store: Store) -> None:
    with store.tx() as tx:
        store.audit(tx, "history_shared", link_id=1, mode="comment")
        store.audit(tx, "history_shared", link_id=1, mode="link", expires="2026-01-01")
        store.audit(tx, "history_shared", link_id=2, mode="comment")
        store.audit(tx, "history_read", link_id=2)
    with store.tx() as tx:
        got = last_shares(tx, "history_shared", [1, 2, 3])
        assert got == {1: {"mode": "link", "expires": "2026-01-01"}, 2: {"mode": "comment"}}
        assert last_shares(tx, "history_shared", []) == {}
