"""What support's moves on a linked ticket do to its issue, pure.

- priority: written to the issue when support leads the field (or both do and the ticket's
  change is the later one), and always noted on the issue with the customers behind it;
- solved: the ticket leaves the issue (``escalate``); once no ticket waits, the issue is told,
  and closed when the route asks (``plan_all_solved``);
- reopened by the customer, or escalated again after its issue closed: the issue is told, and
  reopened, replaced by a new issue or left closed, by the route's ``on_reopen``;
- an issue that cannot move for support (no transition, a refusal) is reported on the ticket
  as an internal note (``plan_refused_for_support``), never retried forever.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from syncd.engine.actions import Action, ActionKind, LinkView
from syncd.engine.escalate import draft_for, target_project
from syncd.engine.impact import summarize
from syncd.engine.ownership import owner
from syncd.engine.rules import Rules, Situation, ctx, h
from syncd.model import IssueStatus, LinkState, Priority, Ticket, TicketStatus
from syncd.route_settings import Route

SOLVED = (TicketStatus.SOLVED, TicketStatus.CLOSED)
# what a status write for support is called in the note when the tracker refuses it
_WHAT = {IssueStatus.DONE.value: "close", IssueStatus.TODO.value: "reopen"}
FOR_SUPPORT = ("support_priority", "support_solved", "support_reopened", "impact_priority")


def later(a: datetime | None, b: datetime | None) -> bool:
    """Whether ``a`` is not older than ``b`` (an unknown time never loses)."""
    return a is None or b is None or a >= b


def plan_ticket_fields(s: Situation, ticket: Ticket, rules: Rules) -> list[Action]:
    """The issue-side writes and notes a linked ticket's own change calls for."""
    link = s.links[0]
    route = rules.route(link.route)
    if route is None or not route.sync or route.target.connector is None:
        return []
    view = LinkView(**{**link.__dict__, "ticket_snapshot": ticket})
    stamp = f"{ticket.updated_at.isoformat() if ticket.updated_at else h(str(ticket))}#{s.seq}"
    before = s.before if isinstance(s.before, Ticket) else None
    siblings = s.siblings or s.links
    out: list[Action] = []
    if link.state == LinkState.ACTIVE and "priority" in s.delta and ticket.priority:
        was = before.priority if before else None
        out += _priority(view, route, ticket, was, siblings, rules, stamp)
    back = _back(s, ticket, before, rules) if link.state != LinkState.ACTIVE else None
    if back is not None:
        out += _reopened(view, route, ticket, back == "again", rules, stamp)
    return out


def _priority(
    link: LinkView,
    route: Route,
    ticket: Ticket,
    was: Priority | None,
    siblings: Sequence[LinkView],
    rules: Rules,
    stamp: str,
) -> list[Action]:
    assert ticket.priority is not None
    wanted = route.priority_map.get(ticket.priority, ticket.priority)
    issue = link.issue_snapshot
    lead = owner(route.ownership, "priority")
    at = issue.updated_at if issue else None
    writes = lead == "support" or (lead == "both" and later(ticket.updated_at, at))
    has = issue.priority if issue else None
    direction = "set"
    if was is not None:
        direction = "raised" if ticket.priority.rank > was.rank else "lowered"
    change = {"direction": direction, "priority": wanted.value, "written": writes}
    figures = summarize([*siblings], rules)
    body = rules.templates.render(
        "support_priority", route.templates, **ctx(link, route), change=change, impact=figures
    )
    common: dict[str, Any] = {"lane": str(link.ticket), "target": link.issue, "link_id": link.id}
    out = [
        Action(
            **common,
            kind=ActionKind.ADD_COMMENT,
            key=f"support-priority-note:{link.id}:{wanted.value}:{stamp}",
            route=route.name,
            public=True,
            body=body,
            message="support_priority_note",
        )
    ]
    if writes and has != wanted:
        out.append(
            Action(
                **common,
                kind=ActionKind.UPDATE_ISSUE,
                key=f"support-priority:{link.id}:{wanted.value}:{stamp}",
                priority=wanted,
                message="support_priority",
            )
        )
    return out


def _back(s: Situation, ticket: Ticket, before: Ticket | None, rules: Rules) -> str | None:
    """How a ticket that left its issue is back: ``reopened`` after it was solved, or given
    the escalation ``again`` (a route matches it now and did not before); None: it is not.

    A ticket syncd solved (its link ``resolved``) that moves to any unsolved status is
    reopened, whatever status syncd saw last: vendors stamp whole seconds, so a reply in the
    second of syncd's own solve is read again and shows only its outcome, not the solve."""
    if ticket.status in SOLVED:
        return None
    if "status" in s.delta and s.links[0].state == LinkState.RESOLVED:
        return "reopened"
    if "status" in s.delta and before is not None and before.status in SOLVED:
        return "reopened"
    if before is None or not {"tags", "fields", "priority", "group"} & s.delta:
        return None
    return "again" if rules.match(ticket) is not None and rules.match(before) is None else None


def _reopened(
    link: LinkView, route: Route, ticket: Ticket, again: bool, rules: Rules, stamp: str
) -> list[Action]:
    issue = link.issue_snapshot
    was_closed = issue is not None and issue.status.is_closed
    policy = route.support_changes.on_reopen
    change = {"again": again, "was_closed": was_closed, "policy": policy}
    c = ctx(link, route, rules, change=change)
    key = f"back:{link.id}:{stamp}"
    lane = str(link.ticket)
    note_ticket = Action(
        kind=ActionKind.UPDATE_TICKET,
        key=f"{key}:ticket-note",
        lane=lane,
        target=link.ticket,
        link_id=link.id,
        public=False,
        message="reopened_note",
        body=rules.templates.render("reopened_note", route.templates, **c),
    )
    note_issue = Action(
        kind=ActionKind.ADD_COMMENT,
        key=f"{key}:issue-note",
        lane=lane,
        target=link.issue,
        link_id=link.id,
        route=route.name,
        public=True,
        message="support_reopened",
        body=rules.templates.render("support_reopened", route.templates, **c),
    )
    if was_closed and policy == "note":
        return [note_issue, note_ticket]
    if was_closed and policy == "new_issue":
        create = Action(
            kind=ActionKind.CREATE_ISSUE,
            key=f"create:{ticket.ref}:again:{h(key)}",
            lane=lane,
            target=target_project(route),
            parent=ticket.ref,
            route=route.name,
            draft=draft_for(ticket, route, rules),
            tier=link.tier,
            message="escalated_again",
        )
        return [note_issue, note_ticket, create]
    out = [note_issue, note_ticket]
    if policy == "reopen":  # performed only if the issue is closed by then
        out.append(
            Action(
                kind=ActionKind.UPDATE_ISSUE,
                key=f"{key}:reopen",
                lane=lane,
                target=link.issue,
                link_id=link.id,
                status=IssueStatus.TODO.value,
                message="support_reopened",
            )
        )
    out.append(
        Action(
            kind=ActionKind.SET_LINK,
            key=f"{key}:active",
            lane=lane,
            target=link.ticket,
            link_id=link.id,
            link_state=LinkState.ACTIVE,
            message="ticket_reopened",
        )
    )
    return out


def plan_all_solved(links: Sequence[LinkView], rules: Rules, stamp: str) -> list[Action]:
    """Every ticket of an issue left it solved by support: tell the issue, and close it when
    the route asks."""
    if not links or any(x.state == LinkState.ACTIVE for x in links):
        return []
    solved = [x for x in links if x.state == LinkState.DETACHED]
    if not solved:
        return []
    first = min(links, key=lambda x: x.id)
    route = rules.route(first.route)
    if route is None or not route.sync:
        return []
    issue = next((x.issue_snapshot for x in links if x.issue_snapshot), None)
    close = route.support_changes.on_all_solved == "close"
    if issue is not None and issue.status.is_closed:
        return []  # the developers closed it first: nothing to tell
    figures = summarize(links, rules) | {"tickets": len(solved)}
    body = rules.templates.render(
        "support_solved",
        route.templates,
        **ctx(first, route),
        impact=figures,
        change={"closed": close},
    )
    lane = str(first.ticket)
    key = f"all-solved:{first.issue}:{h(stamp)}"
    out = [
        Action(
            kind=ActionKind.ADD_COMMENT,
            key=f"{key}:note",
            lane=lane,
            target=first.issue,
            link_id=first.id,
            route=route.name,
            public=True,
            body=body,
            message="support_solved",
        )
    ]
    if close:
        out.append(
            Action(
                kind=ActionKind.UPDATE_ISSUE,
                key=f"{key}:close",
                lane=lane,
                target=first.issue,
                link_id=first.id,
                status=IssueStatus.DONE.value,
                message="support_solved",
            )
        )
    return out


def plan_refused_for_support(
    link: LinkView, failed: Action, reason: str, rules: Rules
) -> list[Action]:
    """An issue write support asked for was refused for good: tell the agent on the ticket."""
    if failed.kind != ActionKind.UPDATE_ISSUE or failed.message not in FOR_SUPPORT:
        return []
    route = rules.route(link.route)
    what = _WHAT.get(failed.status or "", "change the priority of" if failed.priority else "change")
    c = ctx(link, route, rules, reason=reason, change={"what": what})
    return [
        Action(
            kind=ActionKind.UPDATE_TICKET,
            key=f"refused:{failed.key}",
            lane=str(link.ticket),
            target=link.ticket,
            link_id=link.id,
            public=False,
            message="support_change_refused",
            body=rules.templates.render(
                "support_change_refused", route.templates if route else None, **c
            ),
        )
    ]


def plan_joined(link: LinkView, linked: Action, others: Sequence[LinkView], rules: Rules) -> Action:
    """Tell the agent which open issue a ticket joined as a duplicate, and why."""
    route = rules.route(link.route)
    c = ctx(link, route, rules, reason=linked.reason or "")
    figures = summarize(others, rules)
    body = rules.templates.render(
        "duplicate_joined", route.templates if route else None, **c, impact=figures
    )
    return Action(
        kind=ActionKind.UPDATE_TICKET,
        key=f"joined:{link.id}",
        lane=str(link.ticket),
        target=link.ticket,
        link_id=link.id,
        public=False,
        message="duplicate_joined",
        body=body,
    )
