"""What the runner records once an action succeeded: the shadow, link, comment map and audit
rows, and the follow-up actions, all in the transaction that marks the action done; and the
values an update is about to write, so that their echoes are recognised."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from syncd import metrics
from syncd.engine import file_record, followups
from syncd.engine.actions import Action, ActionKind
from syncd.engine.execute import Result
from syncd.engine.file_copy import FilesCopied
from syncd.engine.gate import Redactions
from syncd.engine.handoff import FIRST_CONTACT, TO_CUSTOMER
from syncd.engine.planner import Rules, plan_linked, plan_verified
from syncd.engine.redaction_note import plan_note
from syncd.engine.situations import link_view
from syncd.model import Comment, Issue, LinkState, RefKind, Ticket
from syncd.store import outbox
from syncd.store.repository import LinkRow, Store, Tx, now


class Recorder:
    """Records results of actions in the store."""

    def __init__(
        self,
        store: Store,
        rules: Rules,
        *,
        gone_recheck: float = 60.0,
        catch_up: float = 3600.0,
    ) -> None:
        self.store = store
        self.rules = rules
        self.gone_recheck = gone_recheck
        self.catch_up = timedelta(seconds=catch_up)  # comments this long before a link
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
            if a.link_state == LinkState.REDIRECTED and a.link_id is not None:
                self.store.update_link(tx, a.link_id, state=LinkState.REDIRECTING)

    def redacted(self, tx: Tx, action: Action, result: Result, redacted: Redactions) -> None:
        """One audit row per write the gate changed: kinds and counts, never the values."""
        for kind, count in redacted.counts.items():
            metrics.REDACTIONS.labels(kind).inc(count)
        linked = self.store.link(tx, action.link_id) if action.link_id is not None else None
        issue = result.ref if isinstance(result, Issue) else None
        self.store.audit(
            tx,
            "redacted",
            link_id=action.link_id,
            ticket_ref=action.lane,
            issue_ref=str(issue) if issue else (linked.issue_ref if linked else None),
            kind=action.kind.value,
            key=action.key,
            **redacted.detail(),
        )

    def _first_contact(self, tx: Tx, link: LinkRow) -> None:
        """The first reply a developer wrote to the customer, on the link's timeline (the
        agent's reminder stops there)."""
        if self.store.audited(tx, link.id, FIRST_CONTACT):
            return
        self.store.audit(
            tx,
            FIRST_CONTACT,
            link_id=link.id,
            ticket_ref=link.ticket_ref,
            issue_ref=link.issue_ref,
            route=link.route,
            tier=link.tier,
            seconds=_since(link),
        )

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

    def record(
        self, tx: Tx, action: Action, result: Result, redacted: Redactions | None = None
    ) -> None:
        """Record what ``action`` did; ``redacted``: what the gate kept out of it."""
        a = action
        if redacted is not None:
            self.redacted(tx, a, result, redacted)
        if a.kind == ActionKind.COPY_FILES:
            copied = result if isinstance(result, FilesCopied) else None
            self.enqueue(tx, file_record.record(self.store, tx, a, copied, self.rules))
            return
        if followups.handles(a):
            follow = followups.record(self.store, tx, a, result, self.rules, catch_up=self.catch_up)
            self.enqueue(tx, follow)
            return
        if a.kind == ActionKind.CREATE_ISSUE and isinstance(result, Issue):
            link = followups.new_link(self.store, tx, a, str(result.ref), self.rules)
            again = link.issue_ref != str(result.ref)  # escalated again: a new issue
            link = followups.relink_again(self.store, tx, a, link, str(result.ref))
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
            view = link_view(self.store, tx, link)
            follow = plan_linked(view, self.rules)
            if again:  # the first issue's follow-ups were done: these are the new one's
                follow = [f.model_copy(update={"key": f"{f.key}:{result.ref}"}) for f in follow]
            if redacted is not None:
                follow += plan_note(view, redacted, self.rules, a.key)
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
            self.store.wake_inbox(tx, [a.lane])  # changes made meanwhile (Worker._waits)
            self.enqueue(tx, followups.after(self.store, tx, a, self.rules))
        linked = self.store.link(tx, a.link_id) if a.link_id is not None else None
        if a.message == TO_CUSTOMER and linked is not None:
            self._first_contact(tx, linked)
        self.store.audit(
            tx,
            a.message or a.kind.value,
            link_id=a.link_id,
            ticket_ref=linked.ticket_ref if linked else _ticket_lane(a),
            issue_ref=linked.issue_ref if linked else _issue_target(a),
            kind=a.kind.value,
            public=a.public,
            status=a.status,
            reason=a.reason,
        )


def _since(link: LinkRow) -> float:
    return round((now() - link.created_at).total_seconds(), 1)


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


def _ticket_lane(a: Action) -> str | None:
    """The ticket whose lane ``a`` ran in (None for an issue's own lane)."""
    return None if a.lane == str(a.target) and a.target.kind != RefKind.TICKET else a.lane


def _issue_target(a: Action) -> str | None:
    """The issue ``a`` wrote to, when it is one."""
    return str(a.target) if a.target.kind == RefKind.ISSUE else None
