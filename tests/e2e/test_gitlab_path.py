"""A Zendesk ticket escalated to GitLab from end to end, with webhooks and again polling
only: the issue is filed with its labels, a developer's public note reaches the ticket as an
internal note, an internal note stays internal, closing as won't do tells the agent, closing
the issue solves the ticket and tells the customer."""

from __future__ import annotations

from typing import Any

import pytest

from syncd.model import IssueStatus, Ref, TicketStatus
from syncd.testing.sandbox import Sandbox
from tests.e2e.test_escalation_path import issue_of, notes
from tests.e2e.workflow_helpers import StartSandbox

PROJECT = "acme/platform/widgets"  # a project in a subgroup
ROUTES = [
    {
        "name": "platform",
        "match": {"tags": ["escalate"]},
        "mode": "pending",
        "target": {"connector": "gitlab", "project": PROJECT, "labels": ["from-support"]},
    }
]


@pytest.fixture
def gitlab_sb(start_sandbox: StartSandbox, delivered: dict[str, Any]) -> Sandbox:
    return start_sandbox(tracker_kind="gitlab", project=PROJECT, routes=ROUTES, **delivered)


def _copies(gl: Any, issue_ref: Ref) -> list[Any]:
    """The issue's comments but the ticket's history (its own comment, the conversation)."""
    return [c for c in gl.comments(issue_ref) if not (c.marker or "").startswith("ticket-")]


def test_ticket_to_gitlab_and_back(gitlab_sb: Sandbox) -> None:
    sb = gitlab_sb
    hd, gl = sb.helpdesk, sb.tracker
    ticket = hd.create_ticket(
        "Export to CSV crashes", "Crashes every time.", tags=["escalate"], requester="Ada Lovelace"
    )
    issue_ref: Ref = sb.wait("GitLab issue created", lambda: issue_of(sb, ticket))
    assert issue_ref.connector == "gitlab" and issue_ref.key.startswith(f"{PROJECT}#")
    issue = gl.issue(issue_ref)
    assert issue.title == "Export to CSV crashes" and "from-support" in issue.labels
    assert hd.ticket(ticket).url in issue.body and "@" not in issue.body
    assert issue.url.endswith(f"/{PROJECT}/-/issues/{issue_ref.key.rsplit('#', 1)[1]}")
    sb.wait("note with the issue URL", lambda: notes(sb, ticket, public=False, text=issue.url))
    sb.wait("hand-off: on-hold", lambda: hd.ticket(ticket).status == TicketStatus.ON_HOLD)

    # an agent's /dev note reaches the issue as a note; what the customer reads does not
    hd.comment(ticket, "/dev Customer runs 4.2 on Windows", public=False)
    hd.comment(ticket, "Dear Ada, we are on it.", public=True)
    dev_note = sb.wait(
        "/dev note on the issue", lambda: [c for c in gl.comments(issue_ref) if "4.2" in c.body]
    )
    assert not dev_note[0].public  # an agent's internal note is an internal note on GitLab

    # a developer's public note -> internal note on the ticket; an internal one too, never public
    gl.comment(issue_ref, "Found it: null check in the CSV writer.")
    gl.comment(issue_ref, "Internal: the customer's data set is huge.", internal=True)
    sb.wait("developer note as internal note", lambda: notes(sb, ticket, public=False, text="null"))
    sb.wait("internal stays internal", lambda: notes(sb, ticket, public=False, text="data set"))
    assert not notes(sb, ticket, public=True, text="null check")
    assert not notes(sb, ticket, public=True, text="data set is huge")
    # (the ticket's history, kept in its own comment, shows developers the conversation)
    assert "we are on it" not in " ".join(c.body for c in _copies(gl, issue_ref))

    # closed as won't do (its label) -> agent told, ticket open; reopened -> on-hold
    gl.set_status(issue_ref, IssueStatus.WONT_DO)
    sb.wait(
        "won't do: ticket open with a note",
        lambda: (
            hd.ticket(ticket).status == TicketStatus.OPEN
            and notes(sb, ticket, public=False, text="will not be fixed")
        ),
    )
    gl.set_status(issue_ref, IssueStatus.TODO)
    sb.wait("reopened: on-hold", lambda: hd.ticket(ticket).status == TicketStatus.ON_HOLD)

    # closed -> solved, the customer told once
    gl.set_status(issue_ref, IssueStatus.DONE)
    sb.wait(
        "done: solved and customer told",
        lambda: (
            hd.ticket(ticket).status == TicketStatus.SOLVED
            and notes(sb, ticket, public=True, text="fixed")
        ),
    )
    assert len(gl.issues(PROJECT)) == 1
    assert len([c for c in _copies(gl, issue_ref) if "4.2 on Windows" in c.body]) == 1
    assert len(notes(sb, ticket, public=True, text="has been fixed")) == 1
