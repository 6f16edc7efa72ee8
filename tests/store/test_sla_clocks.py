"""The SLA clock rows and the link queries the SLA check uses, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from syncd.engine.sla import new_clock
from syncd.store.repository import Store


def test_clock_round_trip_and_links_by_route(store: Store) -> None:
    with store.tx() as tx:
        a = store.create_link(
            tx,
            ticket_ref="zd:ticket:1",
            issue_ref="gh:issue:a#1",
            route="r",
            mode="pending",
            tier="L2",
        )
        store.create_link(
            tx, ticket_ref="zd:ticket:2", issue_ref="gh:issue:a#2", route="other", mode="pending"
        )
        b = store.create_link(
            tx,
            ticket_ref="zd:ticket:3",
            issue_ref="gh:issue:a#3",
            route="r",
            mode="pending",
            state="resolved",
        )
        assert store.sla_clock(tx, a.id) is None
        clock = new_clock(datetime(2026, 11, 23, 9, tzinfo=UTC), "r")
        store.put_sla_clock(tx, a.id, clock)
        store.put_sla_clock(tx, a.id, clock | {"fired": {"acknowledge": "at_risk"}})
    with store.tx() as tx:
        assert store.sla_clock(tx, a.id) == clock | {"fired": {"acknowledge": "at_risk"}}
        assert [x.id for x in store.links_in(tx, ["r"], ["active"])] == [a.id]
        assert {x.id for x in store.links_in(tx, ["r"], ["active", "resolved"])} == {a.id, b.id}
        assert store.links_in(tx, ["r"], ["active"])[0].tier == "L2"
