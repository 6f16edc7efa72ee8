"""A Jira Service Management request of the request type a route names, escalated to a
developer issue from end to end: on GitHub (JSM Cloud, with webhooks and again polling
only), in a Jira software project (JSM Data Center, whose comment deliveries carry no
visibility, so each request is read again), and in a Jira project of the same site. A
request of another type stays with support. The request waits in "Pending" through its
workflow, a developer's comment reaches it as an internal comment the customer never sees,
won't do tells the agent and brings it back to "Waiting for support", and the fix resolves
it through the customer transition with a public comment to the customer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.jira.emulator import KIT as JIRA_KIT
from connectors.jira.emulator import JiraActor
from syncd.model import IssueStatus, Ref, TicketStatus
from syncd.testing.sandbox import Sandbox, Side
from tests.e2e.test_escalation_path import issue_of, notes

PROBLEMS = "Report a system problem"  # a request type: only these reach the developers
DATACENTER = {"flavour": "datacenter", "pat": "bot-token", "email": None, "api_token": None}
CASES = {
    "github-cloud-webhooks": ("github", "acme/widgets", "cloud", True),
    "github-cloud-polling": ("github", "acme/widgets", "cloud", False),
    "jira-datacenter-webhooks": ("jira", "WID", "datacenter", True),
    "same-jira-site": ("jira", "WID", "cloud", True),
}


class SameSite(Sandbox):
    """The developers' Jira project on the same site as the service desk: one emulated
    Jira serves both connectors. Its webhook goes to the JSM connector; the Jira connector
    polls, as a second webhook filtered to WID would otherwise tell it."""

    def _side(self, kind: str, daemon_url: str) -> Side:
        if kind != "jira":
            return super()._side(kind, daemon_url)
        desk = self.sides["jsm"]
        actor = JiraActor(desk.emulator, "jira", desk.url)
        site = {"base_url": desk.url}
        return Side("jira", "jira", JIRA_KIT, desk.emulator, None, actor, desk.secret, site)


@pytest.fixture(params=list(CASES))
def jsm_sb(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Sandbox]:
    tracker, project, flavour, webhooks = CASES[request.param]
    same_site = request.param == "same-jira-site"
    overrides: dict[str, dict[str, Any]] = {"jira": {"webhooks": False, "poll_interval": 0.5}}
    if flavour == "datacenter":
        overrides = {"jsm": DATACENTER}
    elif not same_site:
        overrides = {}
    sb = (SameSite if same_site else Sandbox)(
        folder=tmp_path,
        helpdesk_kind="jsm",
        tracker_kind=tracker,
        project=project,
        routes=[
            {
                "name": "developers",
                "match": {"tags": ["escalate"], "group": [PROBLEMS]},
                "mode": "pending",
                "target": {"connector": tracker, "project": project, "labels": ["from-support"]},
            }
        ],
        webhooks=webhooks,
        poll_interval=60.0 if webhooks else 0.5,
        build_kwargs={"jsm": {"flavour": flavour}},
        overrides=overrides,
    )
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()


def _customer_sees(sb: Sandbox, ticket: Ref) -> list[str]:
    """The comments the customer reads on the portal (the service desk API, as customer)."""
    desk = sb.helpdesk.desk
    issue = desk.request(ticket.key)
    shown = [desk.render_comment(issue, c) for c in issue.comments]
    return [c["body"] for c in shown if c["public"]]


def test_request_to_developers_and_back(jsm_sb: Sandbox) -> None:
    sb = jsm_sb
    hd: Any = sb.helpdesk
    tr: Any = sb.tracker
    project = sb.project
    question = hd.create_ticket("How do I export?", "Where is it?", tags=["escalate"])
    ticket = hd.create_ticket(
        "Export to CSV crashes",
        "Crashes every time.",
        tags=["escalate"],
        requester="Ada Lovelace",
        group=PROBLEMS,
    )
    issue_ref: Ref = sb.wait("developer issue created", lambda: issue_of(sb, ticket))
    assert hd.ticket(ticket).group == PROBLEMS
    issue = tr.issue(issue_ref)
    assert issue.title == "Export to CSV crashes" and "from-support" in issue.labels
    assert hd.ticket(ticket).url in issue.body and "@" not in issue.body

    # hand-off: an internal comment with the issue's URL, the request "Pending"
    sb.wait(
        "internal note with the issue URL", lambda: notes(sb, ticket, public=False, text=issue.url)
    )
    sb.wait("request pending", lambda: hd.status_name(ticket) == "Pending")
    assert hd.ticket(ticket).status == TicketStatus.ON_HOLD
    assert not any(issue.url in body for body in _customer_sees(sb, ticket))

    # a developer's comment -> an internal comment (public: false) on the request
    tr.comment(issue_ref, "Found it: null check in the CSV writer.")
    sb.wait(
        "developer comment as internal comment",
        lambda: notes(sb, ticket, public=False, text="null check in the CSV writer"),
    )
    assert not notes(sb, ticket, public=True, text="null check")
    assert not any("null check" in body for body in _customer_sees(sb, ticket))

    # won't do -> the agent told, the request back to "Waiting for support"; reopened -> pending
    tr.set_status(issue_ref, IssueStatus.WONT_DO)
    sb.wait(
        "won't do: waiting for support, with a note",
        lambda: (
            hd.status_name(ticket) == "Waiting for support"
            and notes(sb, ticket, public=False, text="will not be fixed")
        ),
    )
    tr.set_status(issue_ref, IssueStatus.TODO)
    sb.wait("reopened: pending", lambda: hd.status_name(ticket) == "Pending")

    # done -> a public comment to the customer, and "Resolved" through the workflow
    tr.set_status(issue_ref, IssueStatus.DONE)
    sb.wait(
        "done: resolved and the customer told",
        lambda: (
            hd.status_name(ticket) == "Resolved"
            and any("fixed" in body for body in _customer_sees(sb, ticket))
        ),
    )
    assert hd.ticket(ticket).status == TicketStatus.SOLVED
    sb.settle()
    assert len(tr.issues(project)) == 1
    assert issue_of(sb, question) is None  # another request type stays with support
    assert len(notes(sb, ticket, public=True, text="has been fixed")) == 1
    assert len(notes(sb, ticket, public=False, text="null check in the CSV writer")) == 1
