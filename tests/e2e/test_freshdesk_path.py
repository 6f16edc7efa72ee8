"""A Freshdesk ticket escalated to GitHub from end to end, with the automation rule's webhooks
and again polling only: the issue is filed, the ticket waits (Waiting on Third Party, read as
on-hold) with a private note naming the issue, an agent's /dev note reaches the issue, a
developer's comment reaches the ticket as a private note, and closing the issue resolves the
ticket with a reply to the customer."""

from __future__ import annotations

from typing import Any

import pytest

from syncd.model import IssueStatus, Ref, TicketStatus
from syncd.testing.sandbox import Sandbox
from tests.e2e.test_escalation_path import issue_of, notes
from tests.e2e.workflow_helpers import StartSandbox

PROJECT = "acme/widgets"
ROUTES = [
    {
        "name": "widgets",
        "match": {"tags": ["escalate"]},
        "mode": "pending",
        "target": {"connector": "github", "project": PROJECT, "labels": ["from-support"]},
    }
]
FRESHDESK_TO_GITHUB = {"helpdesk_kind": "freshdesk", "tracker_kind": "github", "project": PROJECT}


@pytest.fixture
def freshdesk_sb(start_sandbox: StartSandbox, delivered: dict[str, Any]) -> Sandbox:
    return start_sandbox(**FRESHDESK_TO_GITHUB, routes=ROUTES, **delivered)


def test_freshdesk_ticket_to_github_and_back(freshdesk_sb: Sandbox) -> None:
    sb = freshdesk_sb
    hd, gh = sb.helpdesk, sb.tracker
    emu = sb.sides["freshdesk"].emulator
    ticket = hd.create_ticket(
        "Export to CSV crashes", "Crashes every time.", tags=["escalate"], requester="Ada Lovelace"
    )
    issue_ref: Ref = sb.wait("GitHub issue created", lambda: issue_of(sb, ticket))
    issue = gh.issue(issue_ref)
    assert issue.title == "Export to CSV crashes" and "from-support" in issue.labels
    assert hd.ticket(ticket).url in issue.body and "/a/tickets/" in issue.body
    assert "@" not in issue.body  # never the requester's e-mail address
    sb.wait(
        "private note with the issue URL", lambda: notes(sb, ticket, public=False, text=issue.url)
    )
    sb.wait("hand-off: waiting", lambda: hd.ticket(ticket).status == TicketStatus.ON_HOLD)
    assert emu.ticket(int(ticket.key))["status"] == 7  # Waiting on Third Party

    # an agent's /dev note reaches the issue; a reply to the customer does not
    hd.comment(ticket, "/dev Customer runs 4.2 on Windows", public=False)
    hd.comment(ticket, "Dear Ada, we are on it.", public=True)
    sb.wait(
        "/dev note on the issue", lambda: [c for c in gh.comments(issue_ref) if "4.2" in c.body]
    )

    # a developer's comment -> a private note on the ticket, never a reply
    gh.comment(issue_ref, "Found it: null check in the CSV writer.")
    sb.wait(
        "developer comment as private note", lambda: notes(sb, ticket, public=False, text="null")
    )
    assert not notes(sb, ticket, public=True, text="null check")
    assert hd.ticket(ticket).status == TicketStatus.ON_HOLD

    # closed -> resolved, the customer told once
    gh.set_status(issue_ref, IssueStatus.DONE)
    sb.wait(
        "done: resolved and customer told",
        lambda: (
            hd.ticket(ticket).status == TicketStatus.SOLVED
            and notes(sb, ticket, public=True, text="fixed")
        ),
    )
    assert emu.ticket(int(ticket.key))["status"] == 4  # Resolved
    replies = [c for c in emu.conversations(int(ticket.key)) if c["source"] == 0]
    assert any("fixed" in c["body_text"] for c in replies)  # a reply: e-mailed to Ada
    assert len(gh.issues(PROJECT)) == 1
    assert len(notes(sb, ticket, public=True, text="has been fixed")) == 1


FIELD_ROUTES = [
    {
        "name": "impact",
        "match": {"fields": {"impact": "high"}},
        "mode": "pending",
        "target": {"connector": "github", "project": PROJECT, "labels": ["from-support"]},
    }
]


def test_freshdesk_custom_fields_route_and_link_by_hand(
    start_sandbox: StartSandbox, delivered: dict[str, Any]
) -> None:
    sb = start_sandbox(
        **FRESHDESK_TO_GITHUB,
        routes=FIELD_ROUTES,
        extra={"linking": {"field": "dev_issue", "route": "impact"}},
        **delivered,
    )
    emu = sb.sides["freshdesk"].emulator
    # routed by a custom field, no tag
    first = Ref.ticket(
        "freshdesk", emu.create_ticket("Export fails", custom_fields={"cf_impact": "high"})
    )
    issue_ref = sb.wait("issue for the routed ticket", lambda: issue_of(sb, first))
    url = sb.tracker.issue(issue_ref).url
    # an agent pastes the issue's URL into the ticket's field: linked, no second issue
    second = Ref.ticket(
        "freshdesk", emu.create_ticket("Export fails too", custom_fields={"cf_dev_issue": url})
    )
    assert sb.wait("linked by hand", lambda: issue_of(sb, second)) == issue_ref
    sb.wait("handed off", lambda: sb.helpdesk.ticket(second).status == TicketStatus.ON_HOLD)
    untouched = Ref.ticket(
        "freshdesk", emu.create_ticket("A question", custom_fields={"cf_impact": "low"})
    )
    sb.settle()
    assert issue_of(sb, untouched) is None
    assert len(sb.tracker.issues(PROJECT)) == 1
