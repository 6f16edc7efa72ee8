"""Request Tracker's emulator through its kit, found like every other system's: a ticket
escalated to the GitHub emulator by a custom field, comments both ways, the developer closes
and the ticket is resolved with the customer told (the Scrip's notices as webhooks)."""

from __future__ import annotations

import pytest

from syncd.model import IssueStatus, TicketStatus
from syncd.testing.sandbox import Sandbox
from tests.e2e.test_escalation_path import issue_of
from tests.e2e.workflow_helpers import StartSandbox

ROUTES = [
    {
        "name": "widgets",
        "match": {"group": ["Support"], "fields": {"Product": "widgets"}},
        "mode": "pending",
        "target": {"connector": "github", "project": "acme/widgets"},
    },
]


@pytest.fixture
def rt_sb(start_sandbox: StartSandbox) -> Sandbox:
    return start_sandbox(helpdesk_kind="rt", routes=ROUTES)


def test_rt_emulator_to_github(rt_sb: Sandbox) -> None:
    sb = rt_sb
    rt, gh = sb.helpdesk, sb.tracker
    ticket = rt.create_ticket("Export crashes", "Every time.", fields={"Product": "widgets"})
    issue = sb.wait("GitHub issue for the ticket", lambda: issue_of(sb, ticket), timeout=30)
    assert rt.ticket(ticket).url in gh.issue(issue).body

    rt.comment(ticket, "/dev Customer runs 4.2 on Windows", public=False)
    sb.wait(
        "RT note on GitHub",
        lambda: [c for c in gh.comments(issue) if "4.2 on Windows" in c.body],
        timeout=30,
    )
    gh.comment(issue, "Found it: a null check.")
    sb.wait(
        "GitHub comment as an RT internal comment",
        lambda: [c for c in rt.comments(ticket) if not c.public and "null check" in c.body],
        timeout=30,
    )
    gh.set_status(issue, IssueStatus.DONE)
    sb.wait(
        "resolved, customer told",
        lambda: (
            rt.ticket(ticket).status == TicketStatus.SOLVED
            and [c for c in rt.comments(ticket) if c.public and "fixed" in c.body]
        ),
        timeout=30,
    )
