"""The periodic reminder of the hand-off: open escalations whose customer has heard from no
developer within the route's ``handoff.remind_after`` get one internal note for the agent.

Runs with the SLA check (``Service.check_sla``) and from tests with a frozen ``now``; the
decision is :func:`syncd.engine.handoff.plan_reminder`'s.
"""

from __future__ import annotations

from datetime import datetime

from syncd.engine.actions import Action
from syncd.engine.handoff import FIRST_CONTACT, REMINDED, plan_reminder
from syncd.engine.rules import Rules
from syncd.engine.situations import link_view
from syncd.model import LinkState
from syncd.store import outbox
from syncd.store.repository import Store


def remind(store: Store, rules: Rules, now: datetime) -> int:
    """Plan the reminders due at ``now``; return how many were planned."""
    routes = [r.name for r in rules.routes if r.handoff.remind_after is not None]
    if not routes:
        return 0
    due: list[Action] = []
    with store.peek() as tx:
        for row in store.links_in(tx, routes, [LinkState.ACTIVE]):
            if store.audited(tx, row.id, FIRST_CONTACT) or store.audited(tx, row.id, REMINDED):
                continue
            due += plan_reminder(link_view(store, tx, row), rules, now, row.created_at)
    if not due:
        return 0
    with store.tx() as tx:
        return outbox.add(tx, [a.row() for a in due])  # a key already queued is skipped
