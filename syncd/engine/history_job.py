"""Renewing the links to conversation pages before they expire.

Runs with the SLA check (``Service.check_sla``, every ``workflow.sla_interval``) and from
tests with a frozen ``now``. A link whose last share was a page link expiring within the
root's ``history.refresh_before`` gets a fresh link: the same comment edited in place (its
marker), and a new ``history_shared`` row with the new expiry. Only active links are kept
fresh; a developer can ask again with ``/history`` on any link that still syncs.
"""

from __future__ import annotations

from datetime import datetime

from syncd.engine.actions import Action
from syncd.engine.history import SHARED, plan_link
from syncd.engine.rules import Rules
from syncd.engine.situations import link_view
from syncd.model import LinkState
from syncd.store import outbox
from syncd.store.history import last_shares
from syncd.store.repository import Store


def refresh(store: Store, rules: Rules, now: datetime) -> int:
    """Plan the renewals due at ``now``; return how many were planned."""
    routes = [r.name for r in rules.routes if r.history.mode != "off"]
    if not routes:
        return 0
    soon = now + rules.history.refresh_before
    due: list[tuple[int, str, str, list[Action], dict[str, object]]] = []
    with store.peek() as tx:
        rows = store.links_in(tx, routes, [LinkState.ACTIVE])
        shares = last_shares(tx, SHARED, [r.id for r in rows])
        for row in rows:
            last = shares.get(row.id)
            if not last or last.get("mode") != "link" or not last.get("expires"):
                continue
            if datetime.fromisoformat(str(last["expires"])) > soon:
                continue
            actions, facts = plan_link(link_view(store, tx, row), rules, now)
            due.append((row.id, row.ticket_ref, row.issue_ref, actions, facts))
    if not due:
        return 0
    with store.tx() as tx:
        for link_id, ticket, issue, actions, facts in due:
            outbox.add(tx, [a.row() for a in actions])
            store.audit(
                tx,
                SHARED,
                link_id=link_id,
                ticket_ref=ticket,
                issue_ref=issue,
                renewed=True,
                **facts,
            )
    return len(due)
