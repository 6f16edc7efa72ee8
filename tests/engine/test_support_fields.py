"""Support's moves on a linked ticket, planned: priority by who leads it, a ticket back after
it was solved, every ticket solved, and a move the tracker refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncd.engine.actions import Action, ActionKind, LinkView
from syncd.engine.planner import Rules, Situation, plan
from syncd.engine.supportfields import plan_all_solved, plan_refused_for_support
from syncd.model import (
    Change,
    ChangeKind,
    Issue,
    IssueStatus,
    LinkState,
    Priority,
    Ref,
    Ticket,
    TicketStatus,
)
from syncd.settings import Match, Route, Target
from syncd.templates import Templates

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
TICKET = Ref.ticket("zendesk", "101")
ISSUE = Ref.issue("jira", "WID-7")


def rules(**route: object) -> Rules:
    r = Route(
        name="widgets",
        match=Match(tags=["escalate"]),
        target=Target(connector="jira", project="WID"),
        **route,  # type: ignore[arg-type]
    )
    return Rules(routes=(r,), templates=Templates(), capabilities={})


def ticket(
    status: TicketStatus = TicketStatus.ON_HOLD,
    priority: Priority = Priority.NORMAL,
    tags: frozenset[str] = frozenset({"escalate"}),
    at: datetime = T0,
) -> Ticket:
    return Ticket(
        ref=TICKET,
        subject="Export crashes",
        description="Crash on export",
        status=status,
        priority=priority,
        tags=tags,
        url="https://help.example/tickets/101",
        updated_at=at,
    )


def issue(status: IssueStatus = IssueStatus.IN_PROGRESS, at: datetime = T0) -> Issue:
    return Issue(
        ref=ISSUE,
        title="Export crashes",
        status=status,
        priority=Priority.NORMAL,
        url="https://jira.example/browse/WID-7",
        updated_at=at,
    )


def link(
    state: LinkState = LinkState.ACTIVE,
    issue_status: IssueStatus = IssueStatus.IN_PROGRESS,
    issue_at: datetime = T0,
    n: int = 1,
) -> LinkView:
    return LinkView(
        id=n,
        ticket=Ref.ticket("zendesk", str(100 + n)),
        issue=ISSUE,
        route="widgets",
        mode="pending",
        state=state,
        ticket_snapshot=ticket(),
        issue_snapshot=issue(issue_status, issue_at),
    )


def changed(before: Ticket, after: Ticket, lk: LinkView, *delta: str) -> Situation:
    return Situation(
        change=Change(kind=ChangeKind.UPSERT, ref=TICKET, ticket=after),
        delta=frozenset(delta),
        before=before,
        links=(lk,),
        siblings=(lk, link(n=2), link(n=3)),
        seq=9,
    )


def kinds(actions: list[Action]) -> list[tuple[ActionKind, str | None]]:
    return [(a.kind, a.message) for a in actions]


def test_support_raising_priority_writes_it_and_tells_why() -> None:
    s = changed(ticket(), ticket(priority=Priority.URGENT), link(), "priority")
    actions = plan(s, rules())
    write = next(a for a in actions if a.kind == ActionKind.UPDATE_ISSUE)
    assert write.priority == Priority.URGENT and write.target == ISSUE
    note = next(a for a in actions if a.message == "support_priority_note")
    assert note.target == ISSUE and "raised" in (note.body or "")
    assert "3 customers" in (note.body or "")
    assert "The issue's priority follows" in (note.body or "")


def test_priority_the_developers_lead_is_only_noted() -> None:
    s = changed(ticket(), ticket(priority=Priority.URGENT), link(), "priority")
    actions = plan(s, rules(ownership={"priority": "dev", "status": "dev"}))
    assert [a.kind for a in actions] == [ActionKind.ADD_COMMENT]
    assert "left as it is" in (actions[0].body or "")


@pytest.mark.parametrize(("issue_minutes", "written"), [(-5, True), (5, False)])
def test_both_lead_the_later_change_wins(issue_minutes: int, written: bool) -> None:
    lk = link(issue_at=T0 + timedelta(minutes=issue_minutes))
    s = changed(ticket(), ticket(priority=Priority.HIGH), lk, "priority")
    actions = plan(s, rules(ownership={"priority": "both", "status": "dev"}))
    assert any(a.kind == ActionKind.UPDATE_ISSUE for a in actions) is written


def test_route_priority_map_applies_to_later_changes() -> None:
    s = changed(ticket(), ticket(priority=Priority.URGENT), link(), "priority")
    actions = plan(s, rules(priority_map={Priority.URGENT: Priority.HIGH}))
    assert next(a for a in actions if a.kind == ActionKind.UPDATE_ISSUE).priority == Priority.HIGH


def test_reopened_ticket_reopens_its_closed_issue_by_default() -> None:
    lk = link(LinkState.RESOLVED, IssueStatus.DONE)
    s = changed(ticket(TicketStatus.SOLVED), ticket(TicketStatus.OPEN), lk, "status")
    actions = plan(s, rules())
    assert kinds(actions) == [
        (ActionKind.ADD_COMMENT, "support_reopened"),
        (ActionKind.UPDATE_TICKET, "reopened_note"),
        (ActionKind.UPDATE_ISSUE, "support_reopened"),
        (ActionKind.SET_LINK, "ticket_reopened"),
    ]
    assert actions[2].status == IssueStatus.TODO.value
    assert actions[3].link_state == LinkState.ACTIVE


def test_reopened_in_the_second_of_syncds_solve_is_still_a_reopen() -> None:
    # the reply came in the second syncd solved the ticket: read again, the ticket shows only
    # "open", and the last status syncd saw is the hand-off's on-hold, never "solved"
    lk = link(LinkState.RESOLVED, IssueStatus.DONE)
    s = changed(ticket(TicketStatus.ON_HOLD), ticket(TicketStatus.OPEN), lk, "status")
    actions = plan(s, rules(support_changes={"on_reopen": "new_issue"}))
    assert (ActionKind.CREATE_ISSUE, "escalated_again") in kinds(actions)
    assert "escalated again" not in (actions[0].body or "")  # reopened, not escalated again


@pytest.mark.parametrize("state", [LinkState.DECLINED, LinkState.DETACHED])
def test_a_status_move_of_a_ticket_syncd_did_not_solve_is_not_a_reopen(state: LinkState) -> None:
    lk = link(state, IssueStatus.WONT_DO)
    s = changed(ticket(TicketStatus.OPEN), ticket(TicketStatus.PENDING), lk, "status")
    assert not [a for a in plan(s, rules()) if a.message == "support_reopened"]


def test_reopened_ticket_on_an_open_issue_follows_it_again() -> None:
    lk = link(LinkState.DETACHED, IssueStatus.IN_PROGRESS)
    s = changed(ticket(TicketStatus.SOLVED), ticket(TicketStatus.OPEN), lk, "status")
    actions = plan(s, rules())
    # the reopen is asked for, and performed only if the issue is closed by then
    assert (ActionKind.UPDATE_ISSUE, "support_reopened") in kinds(actions)
    assert "It follows this issue again" in (actions[0].body or "")
    assert (ActionKind.SET_LINK, "ticket_reopened") in kinds(actions)


def test_new_issue_policy_files_a_new_issue() -> None:
    lk = link(LinkState.RESOLVED, IssueStatus.DONE)
    s = changed(ticket(TicketStatus.SOLVED), ticket(TicketStatus.OPEN), lk, "status")
    actions = plan(s, rules(support_changes={"on_reopen": "new_issue"}))
    create = next(a for a in actions if a.kind == ActionKind.CREATE_ISSUE)
    assert create.parent == TICKET and create.draft is not None
    assert create.key != f"create:{TICKET}"  # never the first escalation's key


def test_note_policy_never_silently_nothing() -> None:
    lk = link(LinkState.DECLINED, IssueStatus.WONT_DO)
    s = changed(ticket(TicketStatus.SOLVED), ticket(TicketStatus.OPEN), lk, "status")
    actions = plan(s, rules(support_changes={"on_reopen": "note"}))
    assert kinds(actions) == [
        (ActionKind.ADD_COMMENT, "support_reopened"),
        (ActionKind.UPDATE_TICKET, "reopened_note"),
    ]
    assert "escalate again by hand" in (actions[1].body or "")


def test_escalated_again_after_the_issue_closed() -> None:
    lk = link(LinkState.RESOLVED, IssueStatus.DONE)
    before = ticket(TicketStatus.OPEN, tags=frozenset())
    s = changed(before, ticket(TicketStatus.OPEN), lk, "tags")
    actions = plan(s, rules())
    assert (ActionKind.UPDATE_ISSUE, "support_reopened") in kinds(actions)
    assert "escalated again" in (actions[0].body or "")


def test_all_tickets_solved_tells_the_issue_and_closes_it_when_asked() -> None:
    links = [link(LinkState.DETACHED, n=1), link(LinkState.DETACHED, n=2)]
    told = plan_all_solved(links, rules(), "k")
    assert kinds(told) == [(ActionKind.ADD_COMMENT, "support_solved")]
    assert "all 2 tickets" in (told[0].body or "")
    closed = plan_all_solved(links, rules(support_changes={"on_all_solved": "close"}), "k")
    assert closed[-1].status == IssueStatus.DONE.value
    assert plan_all_solved([*links, link(n=3)], rules(), "k") == []  # one still waits


def test_a_refused_move_is_told_to_the_agent_once() -> None:
    failed = Action(
        kind=ActionKind.UPDATE_ISSUE,
        key="k:reopen",
        lane=str(TICKET),
        target=ISSUE,
        link_id=1,
        status=IssueStatus.TODO.value,
        message="support_reopened",
    )
    told = plan_refused_for_support(link(), failed, "no transition reaches todo", rules())
    assert [(a.kind, a.public, a.target.kind.value) for a in told] == [
        (ActionKind.UPDATE_TICKET, False, "ticket")
    ]
    assert "reopen" in (told[0].body or "") and "not retried" in (told[0].body or "")
    other = failed.model_copy(update={"message": "impact_label"})
    assert plan_refused_for_support(link(), other, "x", rules()) == []


def test_growing_impact_raises_priority_once_and_never_lowers() -> None:
    from dataclasses import replace

    from syncd.engine.impact import plan_impact
    from syncd.workflow import Tiers

    r = rules(
        support_changes={
            "raise_priority": [
                {"tickets": 3, "priority": "high"},
                {"customer_tier": "gold", "priority": "urgent"},
            ]
        }
    )
    r = replace(
        r, tiers=Tiers(customer_tier_tag_prefix="plan_", customer_tier_order=["gold", "free"])
    )
    two = [link(n=1), link(n=2)]
    assert not [a for a in plan_impact(ISSUE, two, r, "s") if a.message == "impact_priority"]
    three = [*two, link(n=3)]
    raised = [a for a in plan_impact(ISSUE, three, r, "s") if a.kind == ActionKind.UPDATE_ISSUE]
    assert [a.priority for a in raised if a.message == "impact_priority"] == [Priority.HIGH]
    gold = replace(link(n=4), ticket_snapshot=ticket(tags=frozenset({"escalate", "plan_gold"})))
    actions = plan_impact(ISSUE, [*three, gold], r, "s")
    note = next(a for a in actions if a.message == "impact_priority_note")
    assert "urgent" in (note.body or "") and "gold customer" in (note.body or "")
    already = [
        replace(x, issue_snapshot=issue().model_copy(update={"priority": Priority.URGENT}))
        for x in [*three, gold]
    ]
    assert not [a for a in plan_impact(ISSUE, already, r, "s") if a.message == "impact_priority"]
    dev_led = replace(
        r, routes=(r.routes[0].model_copy(update={"ownership": {"priority": "dev"}}),)
    )
    assert not [
        a for a in plan_impact(ISSUE, three, dev_led, "s") if a.message == "impact_priority"
    ]
