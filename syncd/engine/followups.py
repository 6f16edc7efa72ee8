"""Recording the workflow's own actions and what follows them, in the runner's transaction.

``record`` handles the kinds whose result creates a link (``LINK_ISSUE``) or decides the next
step (``SEARCH_DUPLICATES``); ``after`` refreshes an issue's impact summary whenever one of
its links came, went or changed state. The decisions are the pure planners'; this module only
reads the store for them and writes what they return.
"""

from __future__ import annotations

from syncd.engine.actions import Action, ActionKind
from syncd.engine.escalate import plan_searched
from syncd.engine.impact import plan_impact
from syncd.engine.planner import plan_linked
from syncd.engine.rules import Rules
from syncd.engine.similarity import Candidate
from syncd.engine.worker import link_view
from syncd.model import Issue
from syncd.store.repository import LinkRow, Store, Tx

OWN = (ActionKind.LINK_ISSUE, ActionKind.SEARCH_DUPLICATES)


def handles(action: Action) -> bool:
    """Whether ``record`` is the one to record this action."""
    return action.kind in OWN


def record(store: Store, tx: Tx, a: Action, result: object, rules: Rules) -> list[Action]:
    """Record a workflow action's result; return the follow-up actions."""
    if a.kind == ActionKind.SEARCH_DUPLICATES:
        found = result if isinstance(result, list) else []
        candidates = [
            Candidate(ref=i.ref, title=i.title, body=i.body, url=i.url)
            for i in found
            if isinstance(i, Issue)
        ]
        store.audit(
            tx,
            "duplicate_search",
            ticket_ref=a.lane,
            route=a.route,
            candidates=len(candidates),
        )
        return plan_searched(a, candidates, rules)
    if a.kind == ActionKind.LINK_ISSUE and isinstance(result, Issue):
        if store.link_for_ticket(tx, a.lane) is not None:
            return []  # linked meanwhile (a retry, or the agent escalated twice)
        link = new_link(store, tx, a, str(result.ref), rules)
        shadow = store.shadow(tx, str(result.ref))
        if shadow.observed is None:
            store.put_shadow(
                tx,
                str(result.ref),
                observed=result.model_dump(mode="json"),
                observed_at=result.updated_at,
            )
        store.audit(
            tx,
            a.message or "linked_by_hand",
            link_id=link.id,
            ticket_ref=a.lane,
            issue_ref=str(result.ref),
            url=result.url,
            route=a.route,
            tier=a.tier,
            reason=a.reason,
        )
        follow = plan_linked(link_view(store, tx, link), rules)
        return follow + after(store, tx, a.model_copy(update={"link_id": link.id}), rules)
    return []


def new_link(store: Store, tx: Tx, a: Action, issue_ref: str, rules: Rules) -> LinkRow:
    """Link the ticket of ``a`` (its lane) to ``issue_ref`` under the action's route."""
    route = rules.route(a.route or "")
    return store.create_link(
        tx,
        ticket_ref=a.lane,
        issue_ref=issue_ref,
        route=a.route or "",
        mode=route.mode if route else "pending",
        tier=a.tier,
    )


def after(store: Store, tx: Tx, a: Action, rules: Rules) -> list[Action]:
    """The impact summary of the issue whose links this action changed, if it did."""
    changes_links = a.kind in (ActionKind.CREATE_ISSUE, ActionKind.LINK_ISSUE) or bool(a.link_state)
    if not changes_links:
        return []
    link = store.link(tx, a.link_id) if a.link_id is not None else None
    if link is None and a.kind == ActionKind.CREATE_ISSUE:
        link = store.link_for_ticket(tx, a.lane)
    if link is None:
        return []
    rows = store.links_for_issue(tx, link.issue_ref)
    views = [link_view(store, tx, r) for r in rows]
    return plan_impact(views[0].issue, views, rules, a.key)
