"""The planner, table-driven: escalation, the handoff and redirects, the issue's status driving
the ticket, and deleted or moved issues."""

from __future__ import annotations

import pytest

from syncd.engine.actions import ActionKind, LinkView
from syncd.engine.planner import Rules, Situation, plan, plan_linked, plan_verified
from syncd.model import Change, ChangeKind, IssueStatus, Priority, Ref, Ticket, TicketStatus
from syncd.templates import Templates
from tests.engine.planner_kit import (
    ISSUE,
    ROUTES,
    TICKET,
    comment_on,
    issue_move,
    link,
    rules,
    ticket,
    upsert_ticket,
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
