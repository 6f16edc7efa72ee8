"""The planner's test world: two routes (a redirect to a vendor, the widgets project), one
ticket and one issue, their links, and the situations (ticket upserts, issue moves, comments)
the planner tests hand to the planner."""

from __future__ import annotations

from datetime import UTC, datetime

from syncd.connector import Capability
from syncd.engine.actions import LinkView
from syncd.engine.planner import Rules, Situation
from syncd.model import (
    Change,
    ChangeKind,
    Comment,
    Issue,
    IssueStatus,
    Priority,
    Ref,
    Ticket,
    TicketStatus,
)
from syncd.settings import Match, Route, Target
from syncd.templates import Templates

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
TICKET = Ref.ticket("zendesk", "101")
ISSUE = Ref.issue("github", "acme/widgets#7")

ROUTES = (
    Route(
        name="vendor",
        match=Match(tags=["escalate", "vendor"]),
        mode="redirect",
        target=Target(connector="github", project="acme/widgets", labels=["vendor"]),
    ),
    Route(
        name="widgets",
        match=Match(tags=["escalate"]),
        mode="pending",
        priority_map={Priority.URGENT: Priority.HIGH},
        target=Target(connector="github", project="acme/widgets", labels=["from-support"]),
    ),
)


def rules(helpdesk_caps: frozenset[Capability] = frozenset()) -> Rules:
    return Rules(
        routes=ROUTES,
        templates=Templates(),
        capabilities={
            "zendesk": helpdesk_caps,
            "github": frozenset({Capability.COMMENT_EDIT, Capability.COMMENT_DELETE}),
        },
    )


def ticket(
    tags: set[str],
    status: TicketStatus = TicketStatus.OPEN,
    priority: Priority | None = Priority.URGENT,
) -> Ticket:
    return Ticket(
        ref=TICKET,
        subject="Export crashes",
        description="Crash on export",
        status=status,
        priority=priority,
        tags=frozenset(tags),
        requester="Ada",
        url="https://acme.zendesk.example/agent/tickets/101",
        updated_at=T0,
    )


def issue(status: IssueStatus, minute: int = 0) -> Issue:
    return Issue(
        ref=ISSUE,
        title="Export crashes",
        status=status,
        url="https://github.example/acme/widgets/issues/7",
        updated_at=T0.replace(minute=minute),
    )


def link(
    state: str = "active", mode: str = "pending", route: str = "widgets", strikes: int = 0
) -> LinkView:
    return LinkView(
        id=1,
        ticket=TICKET,
        issue=ISSUE,
        route=route,
        mode=mode,
        state=state,
        gone_strikes=strikes,
        ticket_snapshot=ticket({"escalate"}),
        issue_snapshot=issue(IssueStatus.TODO),
    )


def upsert_ticket(t: Ticket, links: tuple[LinkView, ...] = ()) -> Situation:
    return Situation(
        change=Change(kind=ChangeKind.UPSERT, ref=t.ref, ticket=t),
        delta=frozenset({"tags"}),
        links=links,
    )


def issue_move(before: IssueStatus, after: IssueStatus, lk: LinkView) -> Situation:
    return Situation(
        change=Change(kind=ChangeKind.UPSERT, ref=ISSUE, issue=issue(after, 5)),
        delta=frozenset({"status"}),
        before=issue(before),
        links=(lk,),
    )


def comment_on(
    parent: Ref,
    body: str,
    *,
    public: bool,
    kind: ChangeKind = ChangeKind.COMMENT,
    new: bool = True,
    copies: tuple[Ref, ...] = (),
    lk: LinkView | None = None,
) -> Situation:
    cref = Ref.comment(parent.connector, f"{parent.key}/c1")
    c = Comment(ref=cref, parent=parent, author="someone", body=body, public=public)
    return Situation(
        change=Change(kind=kind, ref=parent, comment=c),
        links=(lk or link(),),
        comment_is_new=new,
        comment_copies=copies,
    )
