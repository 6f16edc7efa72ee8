"""Support's changes after escalation reach the developers, through the daemon, on SQLite and
PostgreSQL: an urgency raised by the agent, every ticket solved by support, and a customer who
reopens a ticket whose issue was done (the issue moves back through Jira's workflow)."""

from __future__ import annotations

import pytest

from syncd.model import IssueStatus, LinkState, Priority, Ref, TicketStatus
from syncd.testing.sandbox import Sandbox
from tests.e2e.test_escalation_path import issue_of, notes
from tests.e2e.workflow_helpers import StartSandbox

ROUTES = [
    {
        "name": "fresh",
        "match": {"tags": ["escalate", "fresh"]},
        "target": {"connector": "jira", "project": "WID", "issue_type": "Bug"},
        "support_changes": {"on_reopen": "new_issue"},
    },
    {
        "name": "told",
        "match": {"tags": ["escalate", "told"]},
        "target": {"connector": "jira", "project": "WID", "issue_type": "Bug"},
    },
    {
        "name": "backend",
        "match": {"tags": ["escalate", "backend"]},
        "target": {"connector": "jira", "project": "WID", "issue_type": "Bug"},
        "support_changes": {"on_all_solved": "close", "on_reopen": "reopen"},
    },
    {
        "name": "widgets",
        "match": {"tags": ["escalate"]},
        "target": {"connector": "github", "project": "acme/widgets"},
    },
]


@pytest.fixture
def sb(hooked_on_store: StartSandbox) -> Sandbox:
    return hooked_on_store(more=("jira",), routes=ROUTES)


def escalated(sb: Sandbox, tags: list[str]) -> tuple[Ref, Ref]:
    ticket = sb.helpdesk.create_ticket(
        "Invoices fail to render", "Since the update.", tags=tags, priority=Priority.NORMAL
    )
    issue = sb.wait("issue", lambda: issue_of(sb, ticket))
    sb.wait("hand-off", lambda: sb.helpdesk.ticket(ticket).status == TicketStatus.ON_HOLD)
    return ticket, issue


def link_state(sb: Sandbox, ticket: Ref) -> str | None:
    assert sb.service is not None
    with sb.service.store.tx() as tx:
        link = sb.service.store.link_for_ticket(tx, str(ticket))
    return link.state if link else None


def test_support_raises_urgency_on_jira_and_github(sb: Sandbox) -> None:
    jira, github = sb.actor("jira"), sb.tracker
    on_jira, jira_issue = escalated(sb, ["escalate", "backend"])
    on_github, github_issue = escalated(sb, ["escalate"])
    zendesk = sb.sides["zendesk"].emulator
    for ticket in (on_jira, on_github):
        zendesk.update(int(ticket.key), priority="urgent")
    sb.wait("Jira priority", lambda: jira.issue(jira_issue).priority == Priority.URGENT)
    sb.wait("GitHub priority", lambda: github.issue(github_issue).priority == Priority.URGENT)
    for actor, ref in ((jira, jira_issue), (github, github_issue)):
        said = sb.wait(
            "why, on the issue",
            lambda a=actor, r=ref: [c for c in a.comments(r) if "raised the urgency" in c.body],
        )
        assert "to **urgent**" in said[0].body or "to urgent" in said[0].body
    sb.settle()
    assert len([c for c in jira.comments(jira_issue) if "raised the urgency" in c.body]) == 1


def test_all_solved_then_reopened_by_the_customer(sb: Sandbox) -> None:
    jira = sb.actor("jira")
    ticket, issue = escalated(sb, ["escalate", "backend"])

    # support solves the only ticket: the issue is told and, as the route asks, closed
    sb.helpdesk.set_status(ticket, "solved")
    sb.wait("issue closed", lambda: jira.issue(issue).status == IssueStatus.DONE)
    assert [c for c in jira.comments(issue) if "no customer waits on it now" in c.body]
    assert link_state(sb, ticket) == LinkState.DETACHED

    # the customer writes back: the ticket reopens, and so does the issue, through the workflow
    sb.helpdesk.set_status(ticket, "open")
    sb.wait("issue reopened", lambda: not jira.issue(issue).status.is_closed)
    sb.wait("link active again", lambda: link_state(sb, ticket) == LinkState.ACTIVE)
    assert sb.wait(
        "issue told", lambda: [c for c in jira.comments(issue) if "was reopened" in c.body]
    )
    assert sb.wait("agent told", lambda: notes(sb, ticket, public=False, text="follows"))
    # and the developers' next move reaches the ticket again
    jira.set_status(issue, IssueStatus.DONE)
    sb.wait("solved again", lambda: sb.helpdesk.ticket(ticket).status == TicketStatus.SOLVED)
    sb.settle()
    assert len(jira.issues("WID")) == 1


def test_reopened_ticket_leaves_the_developers_work_as_it_is(sb: Sandbox) -> None:
    jira = sb.actor("jira")
    ticket, issue = escalated(sb, ["escalate", "told"])
    jira.set_status(issue, IssueStatus.IN_PROGRESS)
    sb.settle()
    sb.helpdesk.set_status(ticket, "solved")  # this route only tells the issue
    sb.wait("issue told", lambda: [c for c in jira.comments(issue) if "waits on it" in c.body])
    sb.helpdesk.set_status(ticket, "open")
    sb.wait("link active again", lambda: link_state(sb, ticket) == LinkState.ACTIVE)
    sb.settle()
    assert jira.issue(issue).status == IssueStatus.IN_PROGRESS


def test_reopened_after_done_files_a_new_issue_when_the_route_says(sb: Sandbox) -> None:
    jira = sb.actor("jira")
    ticket, first = escalated(sb, ["escalate", "fresh"])
    jira.set_status(first, IssueStatus.DONE)
    sb.wait("solved", lambda: sb.helpdesk.ticket(ticket).status == TicketStatus.SOLVED)
    sb.helpdesk.set_status(ticket, "open")
    second = sb.wait(
        "a new issue", lambda: (ref := issue_of(sb, ticket)) is not None and ref != first and ref
    )
    assert jira.issue(first).status == IssueStatus.DONE  # the done issue stays done
    sb.wait("the new issue waits on developers", lambda: link_state(sb, ticket) == "active")
    sb.wait("agent told", lambda: notes(sb, ticket, public=False, text=second.key))
    jira.comment(second, "Regression found in the new release.")
    sb.wait("the new issue syncs", lambda: notes(sb, ticket, public=False, text="Regression"))
    sb.settle()
    assert len(jira.issues("WID")) == 2
