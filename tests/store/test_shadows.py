"""A shadow is written in one statement, created or updated, and keeps the part not given."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from syncd.store.repository import Store
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
