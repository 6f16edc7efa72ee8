"""A Zendesk ticket escalated to Jira (Cloud and Data Center) from end to end, with webhooks
and polling only: a developer's transition, a restricted comment that stays internal, done ->
ticket solved with the customer told."""

from __future__ import annotations

import pytest

from syncd.model import IssueStatus, Ref, TicketStatus
from syncd.testing.sandbox import Sandbox
from tests.e2e.test_escalation_path import issue_of, notes
from tests.e2e.workflow_helpers import StartSandbox, delivery

JIRA_ROUTES = [
    {
        "name": "backend",
        "match": {"tags": ["escalate", "backend"]},
        "mode": "pending",
        "target": {
            "connector": "jira",
            "project": "WID",
            "labels": ["from-support"],
            "issue_type": "Bug",
        },
    },
    {
        "name": "widgets",
        "match": {"tags": ["escalate"]},
        "mode": "pending",
        "target": {"connector": "github", "project": "acme/widgets"},
    },
]


@pytest.fixture(
    params=[("cloud", True), ("cloud", False), ("datacenter", True), ("datacenter", False)],
    ids=["cloud-webhooks", "cloud-polling", "dc-webhooks", "dc-polling"],
)
def jira_sb(request: pytest.FixtureRequest, start_sandbox: StartSandbox) -> Sandbox:
    flavour, webhooks = request.param
    overrides = {}
    if flavour == "datacenter":
        overrides = {
            "jira": {"flavour": "datacenter", "pat": "bot-token", "email": None, "api_token": None}
        }
    return start_sandbox(
        more=("jira",),
        routes=JIRA_ROUTES,
        overrides=overrides,
        build_kwargs={"jira": {"flavour": flavour}},
        **delivery(webhooks),
    )


def test_ticket_to_jira_and_back(jira_sb: Sandbox) -> None:
    sb = jira_sb
    hd, jira = sb.helpdesk, sb.actor("jira")
    ticket = hd.create_ticket(
        "API returns 500 on /orders",
        "Since this morning.",
        tags=["escalate", "backend"],
        requester="Ada Lovelace",
    )
    issue_ref: Ref = sb.wait("Jira issue created", lambda: issue_of(sb, ticket))
    assert issue_ref.connector == "jira" and issue_ref.key.startswith("WID-")
    issue = jira.issue(issue_ref)
    assert issue.title == "API returns 500 on /orders" and "from-support" in issue.labels
    assert hd.ticket(ticket).url in issue.body
    sb.wait("hand-off", lambda: hd.ticket(ticket).status == TicketStatus.ON_HOLD)
    assert sb.sides["jira"].emulator.issue(issue_ref.key).issuetype == "10002"  # Bug

    # an agent's internal /dev note reaches Jira restricted, never public
    hd.comment(ticket, "/dev customer id 4711, logs in the ticket", public=False)
    copied = sb.wait(
        "note on Jira",
        lambda: [c for c in jira.comments(issue_ref) if "customer id 4711" in c.body],
    )
    assert not copied[0].public

    # the developer works through the workflow and comments, once restricted
    jira.set_status(issue_ref, IssueStatus.IN_PROGRESS)
    jira.restricted_comment(issue_ref, "Root cause: *connection pool* exhausted.")
    sb.wait(
        "restricted comment as internal note",
        lambda: notes(sb, ticket, public=False, text="connection pool"),
    )
    assert not notes(sb, ticket, public=True, text="connection pool")
    assert hd.ticket(ticket).status == TicketStatus.ON_HOLD

    jira.set_status(issue_ref, IssueStatus.DONE)
    sb.wait(
        "solved and told",
        lambda: (
            hd.ticket(ticket).status == TicketStatus.SOLVED
            and notes(sb, ticket, public=True, text="fixed")
        ),
    )
    sb.settle()
    assert len(jira.issues("WID")) == 1
    assert len(notes(sb, ticket, public=True, text="has been fixed")) == 1
    assert len(notes(sb, ticket, public=False, text="connection pool")) == 1


def test_wont_do_in_jira_goes_back_to_the_agent(jira_sb: Sandbox) -> None:
    sb = jira_sb
    hd, jira = sb.helpdesk, sb.actor("jira")
    ticket = hd.create_ticket("Feature: dark mode", "Please.", tags=["escalate", "backend"])
    issue_ref = sb.wait("Jira issue", lambda: issue_of(sb, ticket))
    sb.wait("hand-off", lambda: hd.ticket(ticket).status == TicketStatus.ON_HOLD)
    jira.set_status(issue_ref, IssueStatus.WONT_DO)
    sb.wait(
        "open with a note",
        lambda: (
            hd.ticket(ticket).status == TicketStatus.OPEN
            and notes(sb, ticket, public=False, text="will not be fixed")
        ),
    )
    assert not notes(sb, ticket, public=True, text="fixed")


@pytest.fixture
def jira_hooked(start_sandbox: StartSandbox) -> Sandbox:
    return start_sandbox(more=("jira",), routes=JIRA_ROUTES, webhooks=True, poll_interval=3600.0)


def test_moved_issue_keeps_its_link(jira_hooked: Sandbox) -> None:
    sb = jira_hooked
    hd, jira = sb.helpdesk, sb.actor("jira")
    ticket = hd.create_ticket("Slow search", "Very slow.", tags=["escalate", "backend"])
    old = sb.wait("Jira issue", lambda: issue_of(sb, ticket))
    sb.wait("hand-off", lambda: hd.ticket(ticket).status == TicketStatus.ON_HOLD)
    moved = sb.sides["jira"].emulator.move(old.key, "OPS")
    sb.wait(
        "link follows the move",
        lambda: (ref := issue_of(sb, ticket)) is not None and ref.key == moved.key,
    )
    new_ref = Ref.issue("jira", moved.key)
    jira.comment(new_ref, "Looking at the index now.")
    sb.wait(
        "comment on the moved issue arrives",
        lambda: notes(sb, ticket, public=False, text="index now"),
    )
    jira.set_status(new_ref, IssueStatus.DONE)
    sb.wait("solved", lambda: hd.ticket(ticket).status == TicketStatus.SOLVED)


def test_deleted_jira_issue_redirects_once_confirmed(jira_hooked: Sandbox) -> None:
    sb = jira_hooked
    hd = sb.helpdesk
    ticket = hd.create_ticket("Crash on login", "x", tags=["escalate", "backend"])
    ref = sb.wait("Jira issue", lambda: issue_of(sb, ticket))
    sb.wait("hand-off", lambda: hd.ticket(ticket).status == TicketStatus.ON_HOLD)
    sb.settle()
    sb.sides["jira"].emulator.delete(ref.key)
    sb.wait(
        "redirected",
        lambda: (
            hd.ticket(ticket).status == TicketStatus.SOLVED
            and notes(sb, ticket, public=True, text="follow the work")
        ),
    )
