"""The planner: pure functions from what was seen to the actions syncd owes.

Same input, same actions, no I/O. Field ownership and the escalation workflow live here:
- a ticket matching a route with no link gets an issue (``plan``), then a note, a hand-off
  reply and the waiting state, or a redirect (``plan_linked``);
- the issue's status drives the ticket (done: solved and told; won't do: back to the agent;
  reopened: waiting again);
- comments cross over by rule (developer comments become internal notes; agent notes with the
  route's prefix become issue comments; customer replies stay put unless the route says so);
- an issue is only taken for gone after two reads found it so (``plan_verified``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from syncd.connector import Capability
from syncd.engine.actions import Action, ActionKind, LinkView
from syncd.engine.router import match_route
from syncd.model import (
    Change,
    ChangeKind,
    Comment,
    Issue,
    IssueDraft,
    IssueStatus,
    Ref,
    RefKind,
    Ticket,
    TicketStatus,
)
from syncd.settings import Route
from syncd.templates import Templates

OPEN_TICKET = {TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD}


@dataclass(frozen=True)
class Rules:
    """The configuration the planner reads: routes, templates, connector capabilities."""

    routes: tuple[Route, ...]
    templates: Templates
    capabilities: Mapping[str, frozenset[Capability]] = field(default_factory=dict)

    def route(self, name: str) -> Route | None:
        return next((r for r in self.routes if r.name == name), None)

    def can(self, connector: str, cap: Capability) -> bool:
        return cap in self.capabilities.get(connector, frozenset())


@dataclass(frozen=True)
class Situation:
    """One change, with what the store knew before it."""

    change: Change
    delta: frozenset[str] = frozenset()  # fields that really changed (echoes removed)
    before: Ticket | Issue | None = None
    links: tuple[LinkView, ...] = ()
    comment_is_new: bool = True
    comment_copies: tuple[Ref, ...] = ()  # copies syncd made of this comment


def _h(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _ctx(link: LinkView | None, route: Route | None, **extra: Any) -> dict[str, Any]:
    ticket = link.ticket_snapshot if link else None
    issue = link.issue_snapshot if link else None
    return {
        "ticket": ticket.model_dump() if ticket else {"ref": {"key": ""}, "url": ""},
        "issue": issue.model_dump() if issue else {"ref": {"key": ""}, "url": ""},
        "route": route.model_dump() if route else {},
        **extra,
    }


def plan(s: Situation, rules: Rules) -> list[Action]:
    """The actions one change calls for."""
    c = s.change
    if c.ref.kind == RefKind.TICKET:
        if c.kind == ChangeKind.UPSERT and c.ticket is not None:
            return _ticket_upsert(s, c.ticket, rules)
        if c.kind == ChangeKind.COMMENT and c.comment is not None:
            return _ticket_comment(s, c.comment, rules)
        return []
    if c.kind == ChangeKind.UPSERT and c.issue is not None:
        return _issue_upsert(s, c.issue, rules)
    if c.kind in (ChangeKind.COMMENT, ChangeKind.COMMENT_DELETED) and c.comment is not None:
        return _issue_comment(s, c.comment, rules, deleted=c.kind == ChangeKind.COMMENT_DELETED)
    if c.kind == ChangeKind.DELETED:
        return [
            _verify(
                link,
                strike=link.gone_strikes,
                reason="deleted on the tracker",
                delay_key=f":{_h(str(c))}",
            )
            for link in s.links
            if link.syncing
        ]
    if c.kind == ChangeKind.MOVED and c.new_ref is not None:
        return [
            Action(
                kind=ActionKind.RELINK,
                key=f"relink:{link.id}:{c.new_ref}",
                lane=str(link.ticket),
                target=c.new_ref,
                link_id=link.id,
            )
            for link in s.links
        ]
    return []


def _ticket_upsert(s: Situation, ticket: Ticket, rules: Rules) -> list[Action]:
    if s.links or ticket.status not in OPEN_TICKET:
        return []
    route = match_route(ticket, rules.routes)
    if route is None:
        return []
    ctx = _ctx(None, route) | {"ticket": ticket.model_dump()}
    prio = route.priority_map.get(ticket.priority, ticket.priority) if ticket.priority else None
    draft = IssueDraft(
        title=rules.templates.render("issue_title", route.templates, **ctx),
        body=rules.templates.render("issue_body", route.templates, **ctx),
        labels=frozenset(route.target.labels),
        priority=prio,
        issue_type=route.target.issue_type,
        components=tuple(route.target.components),
        assignee=route.target.assignee,
        origin_url=ticket.url,
        origin_title=ticket.subject,
    )
    return [
        Action(
            kind=ActionKind.CREATE_ISSUE,
            key=f"create:{ticket.ref}",
            lane=str(ticket.ref),
            target=Ref.project(route.target.connector, route.target.project),
            parent=ticket.ref,
            route=route.name,
            draft=draft,
            message="escalated",
        )
    ]


def plan_linked(link: LinkView, rules: Rules) -> list[Action]:
    """What follows the creation (or linking) of an issue for a ticket."""
    route = rules.route(link.route)
    ctx = _ctx(link, route)
    lane = str(link.ticket)
    overrides = route.templates if route else None
    if link.mode == "redirect":
        return _redirect(link, rules, reason="route mode is redirect")
    return [
        Action(
            kind=ActionKind.UPDATE_TICKET,
            key=f"linked-note:{link.id}",
            lane=lane,
            target=link.ticket,
            link_id=link.id,
            public=False,
            message="linked_note",
            body=rules.templates.render("linked_note", overrides, **ctx),
        ),
        Action(
            kind=ActionKind.UPDATE_TICKET,
            key=f"handoff:{link.id}",
            lane=lane,
            target=link.ticket,
            link_id=link.id,
            status=TicketStatus.ON_HOLD.value,
            public=True,
            message="handoff",
            body=rules.templates.render("handoff", overrides, **ctx),
        ),
    ]


def _redirect(link: LinkView, rules: Rules, *, reason: str) -> list[Action]:
    route = rules.route(link.route)
    overrides = route.templates if route else None
    ctx = _ctx(link, route, reason=reason)
    lane = str(link.ticket)
    return [
        Action(
            kind=ActionKind.UPDATE_TICKET,
            key=f"redirect-note:{link.id}",
            lane=lane,
            target=link.ticket,
            link_id=link.id,
            public=False,
            message="redirect_note",
            body=rules.templates.render("redirect_note", overrides, **ctx),
            reason=reason,
        ),
        Action(
            kind=ActionKind.UPDATE_TICKET,
            key=f"redirect:{link.id}",
            lane=lane,
            target=link.ticket,
            link_id=link.id,
            status=TicketStatus.SOLVED.value,
            public=True,
            message="redirect",
            link_state="redirected",
            reason=reason,
            body=rules.templates.render("redirect", overrides, **ctx),
        ),
    ]


def _issue_upsert(s: Situation, issue: Issue, rules: Rules) -> list[Action]:
    if "status" not in s.delta or s.before is None:
        return []
    before = s.before.status if isinstance(s.before, Issue) else None
    now = issue.status
    stamp = issue.updated_at.isoformat() if issue.updated_at else _h(str(issue))
    out: list[Action] = []
    for link in s.links:
        if not link.syncing:
            continue
        route = rules.route(link.route)
        overrides = route.templates if route else None
        view = LinkView(**{**link.__dict__, "issue_snapshot": issue})
        ctx = _ctx(view, route)
        key = f"status:{link.id}:{now.value}:{stamp}"
        lane = str(link.ticket)
        common: dict[str, Any] = {
            "key": key,
            "lane": lane,
            "target": link.ticket,
            "link_id": link.id,
            "kind": ActionKind.UPDATE_TICKET,
        }
        if now == IssueStatus.DONE:
            out.append(
                Action(
                    **common,
                    status=TicketStatus.SOLVED.value,
                    public=True,
                    message="resolved",
                    link_state="resolved",
                    body=rules.templates.render("resolved", overrides, **ctx),
                )
            )
        elif now in (IssueStatus.WONT_DO, IssueStatus.DUPLICATE):
            out.append(
                Action(
                    **common,
                    status=TicketStatus.OPEN.value,
                    public=False,
                    message="wont_do",
                    link_state="declined",
                    body=rules.templates.render("wont_do", overrides, **ctx),
                )
            )
        elif before is not None and before.is_closed:
            out.append(
                Action(
                    **common,
                    status=TicketStatus.ON_HOLD.value,
                    public=False,
                    message="reopened",
                    link_state="active",
                    body=rules.templates.render("reopened", overrides, **ctx),
                )
            )
    return out


def _issue_comment(s: Situation, comment: Comment, rules: Rules, *, deleted: bool) -> list[Action]:
    out: list[Action] = []
    for link in s.links:
        if not link.syncing:
            continue
        route = rules.route(link.route)
        overrides = route.templates if route else None
        ctx = _ctx(link, route, comment=comment.model_dump())
        helpdesk = link.ticket.connector
        copies = [c for c in s.comment_copies if c.connector == helpdesk]
        lane = str(link.ticket)
        if deleted:
            if not copies:
                continue
            if rules.can(helpdesk, Capability.COMMENT_DELETE):
                out += [
                    Action(
                        kind=ActionKind.DELETE_COMMENT,
                        key=f"delete:{comment.ref}:{c}",
                        lane=lane,
                        target=c,
                        parent=link.ticket,
                        link_id=link.id,
                    )
                    for c in copies
                ]
            else:
                out.append(
                    _note(
                        link,
                        f"deleted:{comment.ref}",
                        rules.templates.render("dev_comment_deleted", overrides, **ctx),
                        "dev_comment_deleted",
                    )
                )
        elif s.comment_is_new:
            out.append(
                Action(
                    kind=ActionKind.ADD_COMMENT,
                    key=f"copy:{comment.ref}:{link.ticket}",
                    lane=lane,
                    target=link.ticket,
                    link_id=link.id,
                    public=False,
                    source=comment.ref,
                    message="dev_comment",
                    body=rules.templates.render("dev_comment", overrides, **ctx),
                )
            )
        elif copies and rules.can(helpdesk, Capability.COMMENT_EDIT):
            body = rules.templates.render("dev_comment", overrides, **ctx)
            out += [
                Action(
                    kind=ActionKind.EDIT_COMMENT,
                    key=f"edit:{c}:{_h(body)}",
                    lane=lane,
                    target=c,
                    parent=link.ticket,
                    link_id=link.id,
                    body=body,
                    source=comment.ref,
                )
                for c in copies
            ]
        else:
            body = rules.templates.render("dev_comment_edited", overrides, **ctx)
            out.append(_note(link, f"edited:{comment.ref}:{_h(body)}", body, "dev_comment_edited"))
    return out


def _note(link: LinkView, key: str, body: str, message: str) -> Action:
    return Action(
        kind=ActionKind.ADD_COMMENT,
        key=f"{key}:{link.ticket}",
        lane=str(link.ticket),
        target=link.ticket,
        link_id=link.id,
        public=False,
        body=body,
        message=message,
    )


def _ticket_comment(s: Situation, comment: Comment, rules: Rules) -> list[Action]:
    if not s.links:
        return []
    link = s.links[0]
    route = rules.route(link.route)
    if route is None or link.state not in ("active",):
        return []
    prefix = route.comment_prefix
    text = comment.body.strip()
    if comment.public:
        if not route.copy_public_replies:
            return []
    elif not (prefix and text.startswith(prefix)):
        return []
    body = text[len(prefix) :].strip() if (not comment.public and prefix) else text
    ctx = _ctx(link, route, comment=comment.model_dump(), body=body)
    tracker = link.issue.connector
    rendered = rules.templates.render("support_comment", route.templates, **ctx)
    if s.comment_is_new:
        return [
            Action(
                kind=ActionKind.ADD_COMMENT,
                key=f"copy:{comment.ref}:{link.issue}",
                lane=str(link.ticket),
                target=link.issue,
                link_id=link.id,
                public=comment.public,  # an internal note stays restricted on the tracker
                source=comment.ref,
                body=rendered,
                message="support_comment",
            )
        ]
    copies = [c for c in s.comment_copies if c.connector == tracker]
    if copies and rules.can(tracker, Capability.COMMENT_EDIT):
        return [
            Action(
                kind=ActionKind.EDIT_COMMENT,
                key=f"edit:{c}:{_h(rendered)}",
                lane=str(link.ticket),
                target=c,
                parent=link.issue,
                link_id=link.id,
                body=rendered,
                source=comment.ref,
            )
            for c in copies
        ]
    return []


def _verify(link: LinkView, *, strike: int, reason: str, delay_key: str = "") -> Action:
    return Action(
        kind=ActionKind.VERIFY_ISSUE,
        key=f"verify:{link.id}:{strike}{delay_key}",
        lane=str(link.ticket),
        target=link.issue,
        link_id=link.id,
        strike=strike,
        reason=reason,
    )


def plan_verified(
    link: LinkView, *, gone: bool, reason: str, rules: Rules, after: str = ""
) -> list[Action]:
    """After a direct read (``after`` is its key): a second confirmation of absence
    redirects the ticket; a first one asks for another read later."""
    if not gone:
        return []
    if link.gone_strikes + 1 >= 2:
        return _redirect(link, rules, reason=reason)
    return [_verify(link, strike=link.gone_strikes + 1, reason=reason, delay_key=f":{_h(after)}")]
