"""Bookkeeping writes coalesce: an impact summary changed forty times while its first
write waits is written once, with the newest content."""

from __future__ import annotations

import sqlalchemy as sa

from syncd.engine.actions import Action, ActionKind
from syncd.model import Ref
from syncd.store import outbox
from syncd.store.repository import Store
from syncd.store.tables import outbox as table

ISSUE = Ref.issue("github", "acme/widgets#7")


def summary(n: int, lane: str = "zendesk:ticket:1") -> Action:
    return Action(
        kind=ActionKind.UPSERT_COMMENT,
        key=f"impact:{n}:summary",
        lane=lane,
        target=ISSUE,
        marker=f"impact-summary:{ISSUE}",
        body=f"{n} tickets",
        public=True,
        message="impact_summary",
    )


def test_forty_waiting_summaries_are_one_write_with_the_newest(store: Store) -> None:
    with store.tx() as tx:
        for n in range(1, 41):
            outbox.add(tx, [summary(n, lane=f"zendesk:ticket:{n % 3}").row()])
    with store.tx() as tx:
        (due,) = outbox.due(tx, 10)
        assert Action.model_validate(due.action).body == "40 tickets"
        states = dict(
            tx.execute(sa.select(table.c.state, sa.func.count()).group_by(table.c.state)).all()
        )
        assert states == {"pending": 1, "done": 39}
        assert outbox.add(tx, [summary(7).row()]) == 0  # a coalesced key is still refused


def test_a_summary_being_written_is_not_changed_under_it(store: Store) -> None:
    with store.tx() as tx:
        outbox.add(tx, [summary(1).row()])
        outbox.claim(tx, outbox.due(tx, 10))  # running: its body is on its way
        outbox.add(tx, [summary(2).row()])
    with store.tx() as tx:
        rows = tx.execute(sa.select(table.c.state, table.c.action).order_by(table.c.id)).all()
    assert [(r.state, r.action["body"]) for r in rows] == [
        ("running", "1 tickets"),
        ("pending", "2 tickets"),
    ]
