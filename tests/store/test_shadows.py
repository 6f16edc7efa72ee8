"""A shadow is written in one statement, created or updated, and keeps the part not given;
a transaction reads each shadow from the store once and sees its own writes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from syncd.store.repository import Shadow, Store
from tests.store.conftest import statements_sent

AT = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def _shadow_writes(store: Store, call: Any) -> list[str]:
    """The statements writing the shadows table that ``call(tx)`` sends."""

    def writes(statement: str) -> bool:
        return "shadows" in statement and not statement.lstrip().upper().startswith("SELECT")

    with statements_sent(store, writes) as sent, store.tx() as tx:
        call(tx)
    return [statement for statement, _ in sent]


def test_a_new_shadow_is_one_statement(store: Store) -> None:
    sent = _shadow_writes(
        store, lambda tx: store.put_shadow(tx, "zd:ticket:7", observed={"s": 1}, observed_at=AT)
    )
    assert len(sent) == 1, sent
    with store.tx() as tx:
        sh = store.shadow(tx, "zd:ticket:7")
    assert (sh.observed, sh.observed_at, sh.written) == ({"s": 1}, AT, {})


def test_an_update_sets_only_the_parts_given(store: Store) -> None:
    with store.tx() as tx:
        store.put_shadow(tx, "gh:issue:a#1", written={"title": "T"})
    with store.tx() as tx:
        unset = tx.execute(
            sa.text("SELECT observed IS NULL FROM shadows WHERE ref = 'gh:issue:a#1'")
        )
        assert unset.scalar() in (True, 1)  # NULL as before, not the JSON value null
    one = _shadow_writes(
        store,
        lambda tx: store.put_shadow(tx, "gh:issue:a#1", observed={"title": "T"}, observed_at=AT),
    )
    assert len(one) == 1, one
    with store.tx() as tx:
        sh = store.shadow(tx, "gh:issue:a#1")
    assert (sh.observed, sh.observed_at, sh.written) == ({"title": "T"}, AT, {"title": "T"})
    with store.tx() as tx:
        store.put_shadow(tx, "gh:issue:a#1", written={})
    with store.tx() as tx:
        sh = store.shadow(tx, "gh:issue:a#1")
    assert (sh.observed, sh.written) == ({"title": "T"}, {})
    with store.tx() as tx:
        store.put_shadow(tx, "gh:issue:a#1", observed={"title": "U"}, written={"labels": ["x"]})
        sh = store.shadow(tx, "gh:issue:a#1")
    assert (sh.observed, sh.observed_at, sh.written) == ({"title": "U"}, None, {"labels": ["x"]})


def _reads(statement: str) -> bool:
    return "shadows" in statement and statement.lstrip().upper().startswith("SELECT")


def test_a_transaction_reads_a_shadow_once(store: Store) -> None:
    with store.tx() as tx:
        store.put_shadow(tx, "zd:ticket:8", observed={"s": 1}, observed_at=AT)
    with statements_sent(store, _reads) as sent, store.tx() as tx:
        first = store.shadow(tx, "zd:ticket:8")
        first.written["mine"] = 1  # a caller's change to what it was given stays its own
        again = store.shadow(tx, "zd:ticket:8")
        missing = store.shadow(tx, "zd:ticket:9")
        missing_again = store.shadow(tx, "zd:ticket:9")
    assert len(sent) == 2, sent  # one read for each ref, none for the second asks
    assert (again.observed, again.observed_at, again.written) == ({"s": 1}, AT, {})
    assert missing == missing_again == Shadow(None, None, {})
    with statements_sent(store, _reads) as sent, store.tx() as tx:
        store.shadow(tx, "zd:ticket:8")
    assert len(sent) == 1  # a new transaction reads from the store again


def test_a_write_is_seen_by_later_reads_in_its_transaction(store: Store) -> None:
    with store.tx() as tx:
        store.put_shadow(
            tx, "gh:issue:a#2", observed={"t": "A"}, observed_at=AT, written={"t": "A"}
        )
    later = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
    with statements_sent(store, _reads) as sent, store.tx() as tx:
        store.shadow(tx, "gh:issue:a#2")
        store.put_shadow(tx, "gh:issue:a#2", written={"t": "B"})  # observed left as it was
        kept = store.shadow(tx, "gh:issue:a#2")
        store.put_shadow(tx, "gh:issue:a#2", observed={"t": "C"}, observed_at=later)
        seen = store.shadow(tx, "gh:issue:a#2")
    assert len(sent) == 1, sent
    assert (kept.observed, kept.observed_at, kept.written) == ({"t": "A"}, AT, {"t": "B"})
    assert (seen.observed, seen.observed_at, seen.written) == ({"t": "C"}, later, {"t": "B"})
    with store.tx() as tx:  # and the store holds the same
        assert store.shadow(tx, "gh:issue:a#2") == seen


def test_a_rolled_back_write_is_forgotten(store: Store) -> None:
    with store.tx() as tx:
        store.put_shadow(tx, "zd:ticket:10", observed={"s": "open"}, observed_at=AT)
    try:
        with store.tx() as tx:
            store.shadow(tx, "zd:ticket:10")
            store.put_shadow(tx, "zd:ticket:10", observed={"s": "solved"}, observed_at=AT)
            assert store.shadow(tx, "zd:ticket:10").observed == {"s": "solved"}
            raise RuntimeError("the batch failed")
    except RuntimeError:
        pass
    with store.tx() as tx:
        assert store.shadow(tx, "zd:ticket:10").observed == {"s": "open"}
