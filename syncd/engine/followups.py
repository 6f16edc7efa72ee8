"""Recording the workflow's own actions and what follows them, in the runner's transaction.

``record`` handles the kinds whose result creates a link (``LINK_ISSUE``) or decides the next
step (``SEARCH_DUPLICATES``, ``CATCH_UP``, ``SHARE_HISTORY``); ``after`` refreshes an issue's
impact summary whenever one of its links came, went or changed state. The decisions are the
pure planners'; this module only reads the store for them and writes what they return.
"""

from __future__ import annotations

from datetime import timedelta

from syncd.engine.actions import Action, ActionKind
from syncd.engine.escalate import plan_searched
from syncd.engine.history import SHARED, Transcript, plan_shared
from syncd.engine.impact import plan_impact
from syncd.engine.planner import plan_linked
from syncd.engine.rules import Rules
from syncd.engine.similarity import Candidate
from syncd.engine.situations import link_view
from syncd.engine.supportfields import plan_all_solved, plan_joined
from syncd.engine.supportside import plan_catch_up
from syncd.model import Comment, Issue, LinkState
from syncd.store.repository import LinkRow, Store, Tx, now

OWN = (
    ActionKind.LINK_ISSUE,
    ActionKind.SEARCH_DUPLICATES,
    ActionKind.CATCH_UP,
    ActionKind.SHARE_HISTORY,
)


def handles(action: Action) -> bool:
    """Whether ``record`` is the one to record this action."""
    return action.kind in OWN


def record(
    store: Store,
    tx: Tx,
    a: Action,
    result: object,
    rules: Rules,
    *,
    catch_up: timedelta = timedelta(hours=1),
) -> list[Action]:
    """Record a workflow action's result; return the follow-up actions. A catch-up takes the
    comments made within ``catch_up`` before the link."""
    if a.kind == ActionKind.CATCH_UP:
        comments = [c for c in result if isinstance(c, Comment)] if isinstance(result, list) else []
        return _caught_up(store, tx, a, comments, rules, catch_up)
    if a.kind == ActionKind.SHARE_HISTORY:
        return _shared(store, tx, a, result, rules) if isinstance(result, Transcript) else []
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
        view = link_view(store, tx, link)
        follow = plan_linked(view, rules)
        if a.message == "duplicate_linked":
            others = [r for r in store.links_for_issue(tx, link.issue_ref) if r.id != link.id]
            follow.append(plan_joined(view, a, [link_view(store, tx, r) for r in others], rules))
        return follow + after(store, tx, a.model_copy(update={"link_id": link.id}), rules)
    return []


def _caught_up(
    store: Store,
    tx: Tx,
    a: Action,
    comments: list[Comment],
    rules: Rules,
    window: timedelta,
) -> list[Action]:
    """The copies owed for comments that came before the link and were not copied."""
    link = store.link(tx, a.link_id or 0)
    if link is None:
        return []
    # a comment the worker took in with the link there has a shadow: it was planned then
    seen = {str(c.ref) for c in comments if store.shadow(tx, str(c.ref)).observed is not None}
    actions, taken = plan_catch_up(
        link_view(store, tx, link), comments, rules, since=link.created_at - window, copied=seen
    )
    for c in taken:
        store.put_shadow(
            tx, str(c.ref), observed={"body": c.body}, observed_at=c.updated_at or c.created_at
        )
    if taken:
        store.audit(
            tx,
            "caught_up",
            link_id=link.id,
            ticket_ref=link.ticket_ref,
            issue_ref=link.issue_ref,
            comments=[str(c.ref) for c in taken],
        )
    return actions


def _shared(store: Store, tx: Tx, a: Action, read: Transcript, rules: Rules) -> list[Action]:
    """The history comment for the conversation a share read, and its audit row."""
    link = store.link(tx, a.link_id or 0)
    if link is None:
        return []
    actions, facts = plan_shared(link_view(store, tx, link), read, rules, now())
    if actions:
        store.audit(
            tx,
            SHARED,
            link_id=link.id,
            ticket_ref=link.ticket_ref,
            issue_ref=link.issue_ref,
            key=a.key,
            **facts,
        )
    return actions


def new_link(store: Store, tx: Tx, a: Action, issue_ref: str, rules: Rules) -> LinkRow:
    """Link the ticket of ``a`` (its lane) to ``issue_ref`` under the action's route, and
    wake the changes of either side that waited for this link."""
    route = rules.route(a.route or "")
    store.wake_inbox(tx, [a.lane, issue_ref])
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
    out = plan_impact(views[0].issue, views, rules, a.key)
    if a.message == "ticket_closed":
        out += plan_all_solved(views, rules, a.key)
    return out


def relink_again(store: Store, tx: Tx, a: Action, link: LinkRow, issue_ref: str) -> LinkRow:
    """A ticket escalated again after its issue closed follows the new issue from now on
    (the old one stays in the audit)."""
    if link.issue_ref == issue_ref:
        return link
    store.update_link(tx, link.id, issue_ref=issue_ref, state=LinkState.ACTIVE, gone_strikes=0)
    store.audit(
        tx,
        "relinked",
        link_id=link.id,
        ticket_ref=a.lane,
        issue_ref=issue_ref,
        moved_from=link.issue_ref,
    )
    found = store.link(tx, link.id)
    assert found is not None
    return found
