"""What the dev side's changes to an issue mean for its tickets, pure.

- status: done solves every following ticket with the resolved message, in one update (an
  internal note before it where the route asks for one); won't do goes back to the agent;
  a reopened issue takes its tickets back to waiting;
- work started or a milestone (fix version) set: a progress message when the route asks;
- priority: the receiving team's own scale comes back as an internal note and a tag or field
  with the dev priority; the customer-facing priority follows only if the route says so;
- files attached to the issue reach the ticket as an internal note (``files``);
- a developer's edit the helpdesk refuses to apply to its copy (a reply already e-mailed to
  the customer) reaches the ticket as an internal note with the new text;
- a route whose sync was switched off turns its links into redirects.
"""

from __future__ import annotations

from typing import Any

from syncd.engine.actions import Action, ActionKind, LinkView
from syncd.engine.files import from_issue
from syncd.engine.rules import Rules, Situation, ctx, h
from syncd.model import Issue, IssueStatus, LinkState, Priority, TicketStatus
from syncd.settings import Route


def issue_upsert(s: Situation, issue: Issue, rules: Rules, redirect: Any) -> list[Action]:
    """Actions for the links of an issue whose snapshot really changed."""
    if s.before is None or not isinstance(s.before, Issue):
        return []
    before = s.before
    stamp = issue.updated_at.isoformat() if issue.updated_at else h(str(issue))
    if s.seq:
        stamp = f"{stamp}#{s.seq}"
    out: list[Action] = []
    for link in s.links:
        if not link.syncing:
            continue
        route = rules.route(link.route)
        if route is None or not route.sync:
            if link.state == LinkState.ACTIVE:
                out += redirect(link, rules, reason="sync is disabled for the route")
            continue
        view = LinkView(**{**link.__dict__, "issue_snapshot": issue})
        if "status" in s.delta:
            out += _status(view, route, before.status, issue, rules, stamp)
        if "priority" in s.delta and issue.priority is not None and link.state == LinkState.ACTIVE:
            out += _priority(view, route, issue.priority, rules, stamp)
        if route.notify_progress and link.state == LinkState.ACTIVE:
            out += _progress(s, view, route, before, issue, rules)
        if "files" in s.delta:
            out += from_issue([view], before, issue, rules)
    return out


def _status(
    link: LinkView,
    route: Route,
    before: IssueStatus,
    issue: Issue,
    rules: Rules,
    stamp: str,
) -> list[Action]:
    now = issue.status
    c = ctx(link, route, rules)
    t = route.templates
    common: dict[str, Any] = {
        "lane": str(link.ticket),
        "target": link.ticket,
        "link_id": link.id,
        "kind": ActionKind.UPDATE_TICKET,
    }
    key = f"status:{link.id}:{now.value}:{stamp}"
    if now == IssueStatus.DONE and link.state in (LinkState.ACTIVE, LinkState.DECLINED):
        note = [
            Action(
                **common,
                key=f"{key}:note",
                public=False,
                message="resolved_note",
                body=rules.templates.render("resolved_note", t, **c),
            )
        ]
        # the status and the customer's message in one update: a fan-out to N tickets is
        # then one batch write per hundred tickets (the note, if asked for, is another)
        return [
            *(note if route.resolved_note else []),
            Action(
                **common,
                key=key,
                status=TicketStatus.SOLVED.value,
                public=True,
                message="resolved",
                link_state=LinkState.RESOLVED,
                body=rules.templates.render("resolved", t, **c),
            ),
        ]
    if now in (IssueStatus.WONT_DO, IssueStatus.DUPLICATE) and link.state == LinkState.ACTIVE:
        return [
            Action(
                **common,
                key=key,
                status=TicketStatus.OPEN.value,
                public=False,
                message="wont_do",
                link_state=LinkState.DECLINED,
                body=rules.templates.render("wont_do", t, **c),
            )
        ]
    reopenable = (LinkState.ACTIVE, LinkState.RESOLVED, LinkState.DECLINED)
    if before.is_closed and not now.is_closed and link.state in reopenable:
        return [
            Action(
                **common,
                key=key,
                status=TicketStatus.ON_HOLD.value,
                public=False,
                message="reopened",
                link_state=LinkState.ACTIVE,
                body=rules.templates.render("reopened", t, **c),
            )
        ]
    return []


def ticket_priority(route: Route, dev: Priority) -> Priority:
    """The support-side priority for the dev side's ``dev``: the route's map back, else the
    inverse of its forward map, else the same."""
    if dev in route.dev_priority.map:
        return route.dev_priority.map[dev]
    back = [t for t, i in sorted(route.priority_map.items()) if i == dev]
    return back[0] if back else dev


def _priority(
    link: LinkView, route: Route, dev: Priority, rules: Rules, stamp: str
) -> list[Action]:
    dp = route.dev_priority
    tags: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    if dp.tag:
        tags = (dp.tag.format(priority=dev.value),)
        drop = tuple(dp.tag.format(priority=p.value) for p in Priority if p != dev)
    c = ctx(link, route, rules, dev_priority=dev.value)
    theirs = ticket_priority(route, dev)
    return [
        Action(
            kind=ActionKind.UPDATE_TICKET,
            key=f"dev-priority:{link.id}:{dev.value}:{stamp}",
            lane=str(link.ticket),
            target=link.ticket,
            link_id=link.id,
            add_tags=tags,
            remove_tags=drop,
            fields={dp.field: dev.value} if dp.field else {},
            priority=theirs if dp.set_ticket_priority else None,
            public=False,
            body=(
                rules.templates.render("dev_priority_changed", route.templates, **c)
                if dp.note
                else None
            ),
            message="dev_priority_changed",
        )
    ]


def _progress(
    s: Situation, link: LinkView, route: Route, before: Issue, issue: Issue, rules: Rules
) -> list[Action]:
    started = (
        "status" in s.delta
        and issue.status == IssueStatus.IN_PROGRESS
        and before.status == IssueStatus.TODO
    )
    milestone = "milestone" in s.delta and bool(issue.milestone)
    if not (started or milestone):
        return []
    what = f"milestone:{issue.milestone}" if milestone else "started"
    c = ctx(link, route, rules, progress="milestone" if milestone else "started")
    return [
        Action(
            kind=ActionKind.ADD_COMMENT,
            key=f"progress:{link.id}:{what}",
            lane=str(link.ticket),
            target=link.ticket,
            link_id=link.id,
            public=True,
            body=rules.templates.render("progress", route.templates, **c),
            message="progress",
        )
    ]


def plan_edit_refused(link: LinkView, failed: Action, reason: str, rules: Rules) -> list[Action]:
    """An edit of a comment's copy on the ticket was refused for good (some helpdesks edit
    notes only): the agent reads the new text in an internal note, nothing is lost."""
    if failed.kind != ActionKind.EDIT_COMMENT or failed.parent != link.ticket:
        return []
    route = rules.route(link.route)
    c = ctx(link, route, rules, reason=reason, body=failed.body or "")
    body = rules.templates.render(
        "dev_comment_edit_refused", route.templates if route else None, **c
    )
    return [
        Action(
            kind=ActionKind.ADD_COMMENT,
            key=f"edit-refused:{failed.key}",
            lane=str(link.ticket),
            target=link.ticket,
            link_id=link.id,
            public=False,
            source=failed.source,
            message="dev_comment_edit_refused",
            body=body,
        )
    ]
