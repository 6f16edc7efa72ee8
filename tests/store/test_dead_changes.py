"""The inbox is handled as the outbox is: a change that cannot be processed is set aside as
a dead letter, its ref's later changes go on, and ``syncd replay`` brings it back."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from syncd.engine.planner import Rules
from syncd.engine.worker import Worker
from syncd.model import Change, ChangeKind, Ref, Ticket
from syncd.store import outbox
from syncd.store.repository import Store
from syncd.store.tables import inbox
from syncd.templates import Templates

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def _upsert(key: str) -> Change:
    ticket = Ticket(ref=Ref.ticket("zd", key), subject="s", updated_at=T0)
    return Change(kind=ChangeKind.UPSERT, ref=ticket.ref, ticket=ticket)


def test_an_unreadable_change_is_set_aside_and_the_rest_go_on(store: Store) -> None:
    with store.tx() as tx:
        store.enqueue(tx, [_upsert("1")])
        tx.execute(
            inbox.insert().values(
                ref="zd:ticket:2",
                connector="zd",
                source="webhook",
                change={"kind": "no-such-kind", "ref": {"connector": "zd"}},
                state="pending",
                attempts=0,
                next_at=T0,
                received_at=T0,
            )
        )
        store.enqueue(tx, [_upsert("2"), _upsert("3")])
    worker = Worker(store, {}, Rules(routes=(), templates=Templates()))
    assert worker.drain(10) == 3  # the readable ones: its ref's next change went on too
    with store.tx() as tx:
        (dead,) = outbox.list_dead(tx)
        assert dead.kind == "change:no-such-kind" and dead.lane == "zd:ticket:2"
        assert dead.reason.startswith("unreadable change")
    assert store.depth() == {"inbox": 0, "outbox": 0, "dead": 1}
    with store.tx() as tx:
        assert outbox.replay(tx, [dead.id]) == 1
        back = tx.execute(sa.select(inbox.c.ref, inbox.c.change)).one()
    assert back.ref == "zd:ticket:2" and back.change["kind"] == "no-such-kind"
    assert store.depth()["dead"] == 0
