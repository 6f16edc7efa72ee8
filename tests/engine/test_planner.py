"""The planner, table-driven: every step of the escalation path, echoes and redirects."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syncd.connector import Capability
from syncd.engine.actions import ActionKind, LinkView
from syncd.engine.devside import plan_edit_refused
from syncd.engine.planner import Rules, Situation, plan, plan_linked, plan_verified
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


def test_escalation_creates_issue_from_templates() -> None:
    (a,) = plan(upsert_ticket(ticket({"escalate"})), rules())
    assert a.kind == ActionKind.CREATE_ISSUE and a.route == "widgets"
    assert a.target == Ref.project("github", "acme/widgets")
    assert a.key == f"create:{TICKET}" and a.lane == str(TICKET)
    assert a.draft is not None
    assert a.draft.title == "Export crashes"
    assert "https://acme.zendesk.example/agent/tickets/101" in a.draft.body
    assert "Crash on export" in a.draft.body
    assert a.draft.labels == {"from-support"}
    assert a.draft.priority == Priority.HIGH  # urgent is mapped down by the route
    assert a.draft.origin_url.endswith("/101")


def test_first_matching_route_wins() -> None:
    (a,) = plan(upsert_ticket(ticket({"escalate", "vendor"})), rules())
    assert a.route == "vendor" and a.draft is not None and a.draft.labels == {"vendor"}


@pytest.mark.parametrize(
    "t,links",
    [
        (ticket({"billing"}), ()),
        (ticket({"escalate"}, status=TicketStatus.SOLVED), ()),
        (ticket({"escalate"}, status=TicketStatus.CLOSED), ()),
        (ticket({"escalate"}), (link(),)),
    ],
)
def test_no_escalation(t: Ticket, links: tuple[LinkView, ...]) -> None:
    assert plan(upsert_ticket(t, links), rules()) == []


def test_pending_handoff_note_then_reply_and_on_hold_then_catch_up() -> None:
    note, reply, catch_up, history = plan_linked(link(), rules())
    assert catch_up.kind == ActionKind.CATCH_UP and catch_up.target == TICKET
    assert history.kind == ActionKind.SHARE_HISTORY and history.parent == ISSUE
    assert note.kind == reply.kind == ActionKind.UPDATE_TICKET
    assert not note.public and "https://github.example/acme/widgets/issues/7" in (note.body or "")
    assert note.status is None
    assert reply.public and reply.status == TicketStatus.ON_HOLD.value
    assert reply.message == "handoff"
    assert note.lane == reply.lane == str(TICKET)


def test_redirect_mode_closes_with_pointer() -> None:
    note, close, history = plan_linked(link(mode="redirect", route="vendor"), rules())
    assert history.kind == ActionKind.SHARE_HISTORY  # the developers get the conversation
    assert not note.public
    assert close.public and close.status == TicketStatus.SOLVED.value
    assert close.link_state == "redirected" and close.message == "redirect"
    assert "https://github.example/acme/widgets/issues/7" in (close.body or "")


@pytest.mark.parametrize(
    "before,after,status,public,message,state",
    [
        (IssueStatus.TODO, IssueStatus.DONE, TicketStatus.SOLVED, True, "resolved", "resolved"),
        (
            IssueStatus.IN_PROGRESS,
            IssueStatus.DONE,
            TicketStatus.SOLVED,
            True,
            "resolved",
            "resolved",
        ),
        (IssueStatus.TODO, IssueStatus.WONT_DO, TicketStatus.OPEN, False, "wont_do", "declined"),
        (IssueStatus.TODO, IssueStatus.DUPLICATE, TicketStatus.OPEN, False, "wont_do", "declined"),
        (IssueStatus.DONE, IssueStatus.TODO, TicketStatus.ON_HOLD, False, "reopened", "active"),
        (
            IssueStatus.WONT_DO,
            IssueStatus.IN_PROGRESS,
            TicketStatus.ON_HOLD,
            False,
            "reopened",
            "active",
        ),
    ],
)
def test_issue_status_drives_ticket(
    before: IssueStatus,
    after: IssueStatus,
    status: TicketStatus,
    public: bool,
    message: str,
    state: str,
) -> None:
    (a,) = plan(issue_move(before, after, link()), rules())
    # one update of the ticket: its status and its message together
    assert a.kind == ActionKind.UPDATE_TICKET and a.target == TICKET
    assert a.status == status.value and a.public is public
    assert a.message == message and a.link_state == state


def test_a_route_may_ask_for_an_internal_note_beside_the_resolved_message() -> None:
    noting = tuple(
        r.model_copy(update={"resolved_note": True}) if r.name == "widgets" else r for r in ROUTES
    )
    asked = Rules(routes=noting, templates=Templates(), capabilities=rules().capabilities)
    note, a = plan(issue_move(IssueStatus.TODO, IssueStatus.DONE, link()), asked)
    assert not note.public and note.message == "resolved_note" and note.status is None
    assert a.public and a.message == "resolved" and a.status == TicketStatus.SOLVED.value
    assert note.lane == a.lane  # the note first, then the message, in the ticket's order


def test_progress_without_closing_changes_nothing() -> None:
    assert plan(issue_move(IssueStatus.TODO, IssueStatus.IN_PROGRESS, link()), rules()) == []


def test_redirected_link_no_longer_syncs() -> None:
    lk = link(state="redirected")
    assert plan(issue_move(IssueStatus.TODO, IssueStatus.DONE, lk), rules()) == []
    assert plan(comment_on(ISSUE, "hi", public=True, lk=lk), rules()) == []


def test_status_key_is_stable_for_the_same_event() -> None:
    s = issue_move(IssueStatus.TODO, IssueStatus.DONE, link())
    assert plan(s, rules()) == plan(s, rules())


def test_developer_comment_becomes_internal_note() -> None:
    (a,) = plan(comment_on(ISSUE, "Found the bug", public=True), rules())
    assert a.kind == ActionKind.ADD_COMMENT and a.target == TICKET and not a.public
    assert "Found the bug" in (a.body or "") and a.source is not None


def test_developer_edit_without_edit_capability_adds_note() -> None:
    copy = Ref.comment("zendesk", "555")
    (a,) = plan(comment_on(ISSUE, "v2", public=True, new=False, copies=(copy,)), rules())
    assert a.kind == ActionKind.ADD_COMMENT and "edited" in (a.body or "")


def test_developer_edit_with_edit_capability_edits_copy() -> None:
    copy = Ref.comment("zendesk", "555")
    r = rules(frozenset({Capability.COMMENT_EDIT, Capability.COMMENT_DELETE}))
    (a,) = plan(comment_on(ISSUE, "v2", public=True, new=False, copies=(copy,)), r)
    assert a.kind == ActionKind.EDIT_COMMENT and a.target == copy and "v2" in (a.body or "")
    (d,) = plan(
        comment_on(ISSUE, "", public=True, kind=ChangeKind.COMMENT_DELETED, copies=(copy,)), r
    )
    assert d.kind == ActionKind.DELETE_COMMENT and d.target == copy


def test_an_edited_reply_to_the_customer_is_told_to_the_agent_not_rewritten() -> None:
    # the customer has the reply (by e-mail): rewriting it in the internal note's form would
    # show them the issue's link and the developer's name, and some helpdesks edit notes only
    copy = Ref.comment("zendesk", "555")
    r = rules(frozenset({Capability.COMMENT_EDIT, Capability.COMMENT_DELETE}))
    edited = comment_on(ISSUE, "/customer Fixed in 4.3", public=True, new=False, copies=(copy,))
    (a,) = plan(edited, r)
    assert a.kind == ActionKind.ADD_COMMENT and not a.public and a.target == TICKET
    assert "edited" in (a.body or "") and "Fixed in 4.3" in (a.body or "")


def test_an_edit_the_helpdesk_refuses_reaches_the_agent_as_a_note() -> None:
    copy = Ref.comment("zendesk", "555")
    r = rules(frozenset({Capability.COMMENT_EDIT}))
    (edit,) = plan(comment_on(ISSUE, "v2", public=True, new=False, copies=(copy,)), r)
    (note,) = plan_edit_refused(link(), edit, "PermanentError: notes only", r)
    assert note.kind == ActionKind.ADD_COMMENT and note.target == TICKET and not note.public
    assert "v2" in (note.body or "") and "notes only" in (note.body or "")
    assert plan_edit_refused(link(), note, "any", r) == []  # only an edit of a ticket's copy


def test_developer_delete_without_capability_adds_note() -> None:
    copy = Ref.comment("zendesk", "555")
    (a,) = plan(
        comment_on(ISSUE, "", public=True, kind=ChangeKind.COMMENT_DELETED, copies=(copy,)), rules()
    )
    assert a.kind == ActionKind.ADD_COMMENT and "deleted" in (a.body or "")


def test_agent_note_with_prefix_goes_to_issue() -> None:
    (a,) = plan(comment_on(TICKET, "/dev logs attached, see line 4", public=False), rules())
    assert a.kind == ActionKind.ADD_COMMENT and a.target == ISSUE
    assert not a.public  # an internal note never becomes public on the tracker
    assert "logs attached, see line 4" in (a.body or "") and "/dev" not in (a.body or "")


@pytest.mark.parametrize(
    "body,public",
    [
        ("just a private thought", False),
        ("/dev but public", True),
        ("Dear customer, thanks", True),
    ],
)
def test_other_ticket_comments_stay(body: str, public: bool) -> None:
    assert plan(comment_on(TICKET, body, public=public), rules()) == []


def test_deleted_issue_is_verified_not_trusted() -> None:
    s = Situation(change=Change(kind=ChangeKind.DELETED, ref=ISSUE), links=(link(),))
    (a,) = plan(s, rules())
    assert a.kind == ActionKind.VERIFY_ISSUE and a.target == ISSUE and a.strike == 0


def test_gone_needs_two_reads() -> None:
    (again,) = plan_verified(link(strikes=0), gone=True, reason="404", rules=rules())
    assert again.kind == ActionKind.VERIFY_ISSUE and again.strike == 1
    _note, close = plan_verified(link(strikes=1), gone=True, reason="404", rules=rules())
    assert close.status == TicketStatus.SOLVED.value and close.link_state == "redirected"
    assert plan_verified(link(strikes=1), gone=False, reason="ok", rules=rules()) == []


def test_moved_issue_relinks() -> None:
    new = Ref.issue("github", "acme/other#3")
    s = Situation(change=Change(kind=ChangeKind.MOVED, ref=ISSUE, new_ref=new), links=(link(),))
    (a,) = plan(s, rules())
    assert a.kind == ActionKind.RELINK and a.target == new


def test_two_quick_moves_to_the_same_state_are_two_actions() -> None:
    """Vendors stamp with one-second resolution: wont_do -> todo -> wont_do -> todo within a
    second must still reopen the ticket twice, so keys carry the change's inbox sequence."""
    from dataclasses import replace

    first = replace(issue_move(IssueStatus.WONT_DO, IssueStatus.TODO, link()), seq=41)
    again = replace(issue_move(IssueStatus.WONT_DO, IssueStatus.TODO, link()), seq=57)
    (a,) = plan(first, rules())
    (b,) = plan(again, rules())
    assert a.key != b.key
    assert plan(first, rules()) == [a]  # the same change planned again: the same key
