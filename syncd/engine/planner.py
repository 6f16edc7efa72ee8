"""The planner: pure functions from what was seen to the actions syncd owes.

Same input, same actions, no I/O. Field ownership and the escalation workflow live here and in
the modules it calls (``escalate`` for the ticket side, ``devside`` for the issue side,
``impact`` and ``sla`` for the periodic workflow):
- a ticket matching a route with no link gets an issue (``plan``), then a note, a hand-off
  reply and the waiting state, or a redirect (``plan_linked``);
- the issue's status drives the ticket (done: solved and told; won't do: back to the agent;
  reopened: waiting again);
- comments cross over by rule (developer comments become internal notes, ``/history`` asks
  for the ticket's conversation again (``history``); agent notes with the route's prefix
  become issue comments; customer replies stay put unless the route says so;
  what reaches a public project is redacted on the way out, in ``gate``, not here);
- an issue is only taken for gone after two reads found it so (``plan_verified``);
- mapped fields (``routes[].fields``) cross by their maps and the route's ownership
  (``fieldplan``).
"""

from __future__ import annotations

from typing import Any

from syncd.connector import Capability
from syncd.engine.actions import Action, ActionKind, LinkView
from syncd.engine.devside import issue_upsert
from syncd.engine.escalate import OPEN_TICKET, plan_searched, ticket_upsert
from syncd.engine.fieldplan import at_link, from_issue, from_ticket
from syncd.engine.handoff import to_customer
from syncd.engine.history import at_escalation, plan_request
from syncd.engine.rules import Rules, Situation, ctx, h
from syncd.engine.supportfields import plan_ticket_fields
from syncd.engine.supportside import ticket_comment
from syncd.model import ChangeKind, Comment, LinkState, RefKind, TicketStatus

__all__ = [
    "OPEN_TICKET",
    "Rules",
    "Situation",
    "plan",
    "plan_linked",
    "plan_refused",
    "plan_searched",
    "plan_verified",
]
_h = h


def _ctx(link: LinkView | None, route: Any, **extra: Any) -> dict[str, Any]:
    return ctx(link, route, None, **extra)


def plan(s: Situation, rules: Rules) -> list[Action]:
    """The actions one change calls for."""
    c = s.change
    if c.ref.kind == RefKind.TICKET:
        if c.kind == ChangeKind.UPSERT and c.ticket is not None:
            fields = plan_ticket_fields(s, c.ticket, rules) if s.links else []
            return ticket_upsert(s, c.ticket, rules) + fields + from_ticket(s, c.ticket, rules)
        if c.kind == ChangeKind.COMMENT and c.comment is not None:
            return ticket_comment(s, c.comment, rules)
        return []
    if c.kind == ChangeKind.UPSERT and c.issue is not None:
        return issue_upsert(s, c.issue, rules, _redirect) + from_issue(s, c.issue, rules)
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


def plan_linked(link: LinkView, rules: Rules) -> list[Action]:
    """What follows the creation (or linking) of an issue for a ticket."""
    route = rules.route(link.route)
    c = ctx(link, route, rules)
    lane = str(link.ticket)
    overrides = route.templates if route else None
    if link.mode == "redirect":
        return _redirect(link, rules, reason="route mode is redirect") + at_escalation(link, rules)
    return [
        Action(
            kind=ActionKind.UPDATE_TICKET,
            key=f"linked-note:{link.id}",
            lane=lane,
            target=link.ticket,
            link_id=link.id,
            public=False,
            message="linked_note",
            body=rules.templates.render("linked_note", overrides, **c),
        ),
        Action(
            kind=ActionKind.UPDATE_TICKET,
            key=f"handoff:{link.id}",
            lane=lane,
            target=link.ticket,
            link_id=link.id,
            status=TicketStatus.ON_HOLD.value,
            status_over=_handed_over_from(link),
            public=True,
            message="handoff",
            body=rules.templates.render("handoff", overrides, **c),
        ),
        Action(
            kind=ActionKind.CATCH_UP,
            key=f"catch-up:{link.id}",
            lane=lane,
            target=link.ticket,
            link_id=link.id,
        ),
        *at_escalation(link, rules),
        *at_link(link, rules),
    ]


def _handed_over_from(link: LinkView) -> tuple[str, ...]:
    """The statuses the hand-off may set on-hold over: the ticket's at escalation, and new
    or open (a helpdesk moves a new ticket to open by itself when an agent writes on it).
    A status a person chose since (pending, solved, ...) stays."""
    seen = link.ticket_snapshot.status.value if link.ticket_snapshot else TicketStatus.NEW.value
    return tuple(dict.fromkeys((seen, TicketStatus.NEW.value, TicketStatus.OPEN.value)))


def _redirect(link: LinkView, rules: Rules, *, reason: str) -> list[Action]:
    route = rules.route(link.route)
    overrides = route.templates if route else None
    c = ctx(link, route, rules, reason=reason)
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
            body=rules.templates.render("redirect_note", overrides, **c),
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
            link_state=LinkState.REDIRECTED,
            reason=reason,
            body=rules.templates.render("redirect", overrides, **c),
        ),
    ]


def _issue_comment(s: Situation, comment: Comment, rules: Rules, *, deleted: bool) -> list[Action]:
    out: list[Action] = []
    for link in s.links:
        if not link.syncing:
            continue
        route = rules.route(link.route)
        overrides = route.templates if route else None
        cx = _ctx(link, route, comment=comment.model_dump())
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
                        rules.templates.render("dev_comment_deleted", overrides, **cx),
                        "dev_comment_deleted",
                    )
                )
        elif s.comment_is_new and (asked := plan_request(link, comment, rules)) is not None:
            out.append(asked)  # a developer asks for the ticket's conversation
        elif s.comment_is_new and (reply := to_customer(link, comment, rules)) is not None:
            out.append(reply)
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
                    body=rules.templates.render("dev_comment", overrides, **cx),
                )
            )
        elif (
            copies
            and rules.can(helpdesk, Capability.COMMENT_EDIT)
            and to_customer(link, comment, rules) is None  # a reply the customer has: a note
        ):
            body = rules.templates.render("dev_comment", overrides, **cx)
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
            body = rules.templates.render("dev_comment_edited", overrides, **cx)
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


def plan_refused(link: LinkView, refused: str, reason: str) -> list[Action]:
    """A write to the issue (action ``refused``) found it missing or refused: a direct read
    confirms whether it is gone before anything is closed."""
    if not link.syncing:
        return []
    return [_verify(link, strike=link.gone_strikes, reason=reason, delay_key=f":{refused}")]


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
