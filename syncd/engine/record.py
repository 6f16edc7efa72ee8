"""What the runner records once an action succeeded: the shadow, link, comment map and audit
rows, and the follow-up actions, all in the transaction that marks the action done; and the
values an update is about to write, so that their echoes are recognised."""

from __future__ import annotations

from typing import Any

from syncd.engine import followups
from syncd.engine.actions import Action, ActionKind
from syncd.engine.execute import Result
from syncd.engine.planner import Rules, plan_linked, plan_verified
from syncd.engine.worker import link_view
from syncd.model import Comment, Issue, Ticket
from syncd.store import outbox
from syncd.store.repository import Store, Tx


class Recorder:
    """Records results of actions in the store."""

    def __init__(self, store: Store, rules: Rules, *, gone_recheck: float = 60.0) -> None:
        self.store = store
        self.rules = rules
        self.gone_recheck = gone_recheck
        self.queued = 0  # follow-up actions written to the outbox

    def verified(self, tx: Tx, action: Action, *, gone: bool, reason: str) -> None:
        link = self.store.link(tx, action.link_id or 0)
        if link is None:
            return
        view = link_view(self.store, tx, link)
        follow = plan_verified(view, gone=gone, reason=reason, rules=self.rules, after=action.key)
        strikes = link.gone_strikes + 1 if gone else 0
        self.store.update_link(tx, link.id, gone_strikes=strikes, reason=reason if gone else None)
        self.store.audit(
            tx,
            "issue_unreachable" if gone else "issue_reachable",
            link_id=link.id,
            ticket_ref=link.ticket_ref,
            issue_ref=link.issue_ref,
            strikes=strikes,
            reason=reason,
        )
        delay = self.gone_recheck if any(a.kind == ActionKind.VERIFY_ISSUE for a in follow) else 0
        self.enqueue(tx, follow, delay=delay)

    def enqueue(self, tx: Tx, actions: list[Action], *, delay: float = 0.0) -> None:
        """Queue follow-up actions. A link being redirected stops syncing at once, not when
        the redirect message has gone out, so nothing slips in between."""
        outbox.add(tx, [a.row() for a in actions], delay=delay)
        self.queued += len(actions)
        for a in actions:
            if a.link_state == "redirected" and a.link_id is not None:
                self.store.update_link(tx, a.link_id, state="redirecting")

    def expect(self, tx: Tx, action: Action) -> None:
        """Note the values this action writes, so their echoes are dropped."""
        fields = writes_fields(action)
        if not fields:
            return
        ref = str(action.target)
        shadow = self.store.shadow(tx, ref)
        self.store.put_shadow(tx, ref, written={**shadow.written, **fields})

    def clear_expect(self, tx: Tx, action: Action) -> None:
        if action.kind not in (ActionKind.UPDATE_TICKET, ActionKind.UPDATE_ISSUE):
            return
        ref = str(action.target)
        shadow = self.store.shadow(tx, ref)
        left = {k: v for k, v in shadow.written.items() if k not in ("status", "priority")}
        self.store.put_shadow(tx, ref, written=left)

    def record(self, tx: Tx, action: Action, result: Result) -> None:
        a = action
        if followups.handles(a):
            self.enqueue(tx, followups.record(self.store, tx, a, result, self.rules))
            return
        if a.kind == ActionKind.CREATE_ISSUE and isinstance(result, Issue):
            link = followups.new_link(self.store, tx, a, str(result.ref), self.rules)
            self.store.put_shadow(
                tx,
                str(result.ref),
                observed=result.model_dump(mode="json"),
                observed_at=result.updated_at,
            )
            self.store.audit(
                tx,
                "issue_created",
                link_id=link.id,
                ticket_ref=a.lane,
                issue_ref=str(result.ref),
                url=result.url,
                route=a.route,
            )
            follow = plan_linked(link_view(self.store, tx, link), self.rules)
            self.enqueue(tx, follow + followups.after(self.store, tx, a, self.rules))
            return
        if a.kind == ActionKind.VERIFY_ISSUE:
            if isinstance(result, Issue) and result.ref != a.target and a.link_id is not None:
                # the tracker answered under another key: the issue moved, follow it
                self.store.update_link(tx, a.link_id, issue_ref=str(result.ref))
                self.store.audit(
                    tx,
                    "issue_moved",
                    link_id=a.link_id,
                    ticket_ref=a.lane,
                    issue_ref=str(result.ref),
                    moved_from=str(a.target),
                )
            self.verified(tx, a, gone=False, reason="read succeeded")
            return
        if a.kind == ActionKind.RELINK and a.link_id is not None:
            self.store.update_link(tx, a.link_id, issue_ref=str(a.target))
        if isinstance(result, Comment) and a.source is not None and a.link_id is not None:
            self.store.map_comment(tx, str(a.source), str(result.ref), a.link_id)
        if isinstance(result, Ticket | Issue) and a.kind in (
            ActionKind.UPDATE_TICKET,
            ActionKind.UPDATE_ISSUE,
        ):
            shadow = self.store.shadow(tx, str(result.ref))
            if shadow.observed is None:
                self.store.put_shadow(
                    tx,
                    str(result.ref),
                    observed=result.model_dump(mode="json"),
                    observed_at=result.updated_at,
                )
        if a.link_id is not None and a.link_state:
            self.store.update_link(tx, a.link_id, state=a.link_state)
            self.enqueue(tx, followups.after(self.store, tx, a, self.rules))
        linked = self.store.link(tx, a.link_id) if a.link_id is not None else None
        self.store.audit(
            tx,
            a.message or a.kind.value,
            link_id=a.link_id,
            ticket_ref=a.lane,
            issue_ref=linked.issue_ref if linked else None,
            kind=a.kind.value,
            public=a.public,
            status=a.status,
            reason=a.reason,
        )


def writes_fields(action: Action) -> dict[str, Any]:
    """The status and priority an update writes (their echoes are to be recognised)."""
    if action.kind not in (ActionKind.UPDATE_TICKET, ActionKind.UPDATE_ISSUE):
        return {}
    fields: dict[str, Any] = {}
    if action.status:
        fields["status"] = action.status
    if action.priority:
        fields["priority"] = action.priority.value
    return fields
