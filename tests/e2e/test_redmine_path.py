"""Zendesk (the emulator) to a real Redmine 5 through the daemon: a ticket escalated becomes a
Redmine issue; a /dev note reaches the issue; the developer's public note reaches the ticket
and a private note never reaches the customer; the developer resolves the issue and the
ticket is solved with the customer told. Redmine is polled (it sends no webhooks)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from syncd.model import Ref, TicketStatus
from syncd.testing.sandbox import Sandbox
from tests.e2e.test_escalation_path import issue_of, notes
from tests.e2e.workflow_helpers import StartSandbox
from tests.realservers.redmine_actor import RealRedmineActor
from tests.realservers.redmine_server import RealRedmine, started_or_skip

pytestmark = pytest.mark.realserver


@pytest.fixture(scope="module")
def redmine() -> Iterator[RealRedmine]:
    server = started_or_skip()
    yield server
    server.stop()


@pytest.fixture
def sb(start_sandbox: StartSandbox, redmine: RealRedmine) -> Sandbox:
    """The daemon with the Zendesk emulator (webhooks) and the real Redmine (polled)."""
    info = redmine.info
    actor = RealRedmineActor(info)
    conf = {"kind": "redmine", "base_url": info["base_url"], "api_key": info["syncd_key"]}
    return start_sandbox(
        tracker_kind="redmine",
        project=str(info["project"]),
        webhooks=True,
        poll_interval=0.5,
        external={"redmine": (conf, actor)},
        closing=(actor.close,),
        overrides={"redmine": {"webhooks": False}},
    )


def _on_issue(sb: Sandbox, issue: Ref, text: str) -> list[object]:
    return [c for c in sb.tracker.comments(issue) if text in c.body]


def test_zendesk_to_redmine_and_back(sb: Sandbox) -> None:
    hd, dev = sb.helpdesk, sb.tracker
    subject = f"Export to CSV crashes {uuid.uuid4().hex[:6]}"
    ticket = hd.create_ticket(subject, "Crashes every time.", tags=["escalate"])
    issue_ref = sb.wait("Redmine issue for the ticket", lambda: issue_of(sb, ticket), timeout=40)
    assert issue_ref.connector == "redmine"

    # the issue: title, label, a link back to the ticket, never the requester's e-mail
    issue = dev.issue(issue_ref)
    assert issue.title == subject and "from-support" in issue.labels
    assert hd.ticket(ticket).url in issue.body and "@" not in issue.body
    assert issue.url == f"{sb.sides['redmine'].url}/issues/{issue_ref.key}"
    sb.wait(
        "hand-off reply, on-hold, the issue's URL in an internal note",
        lambda: (
            hd.ticket(ticket).status == TicketStatus.ON_HOLD
            and notes(sb, ticket, public=True, text="developers")
            and notes(sb, ticket, public=False, text=issue.url)
        ),
        timeout=40,
    )

    # the agent's /dev note reaches the issue; the developer's notes come back
    hd.comment(ticket, "/dev Customer runs 4.2 on Windows", public=False)
    sb.wait(
        "/dev note on the issue", lambda: _on_issue(sb, issue_ref, "4.2 on Windows"), timeout=40
    )
    dev.comment(issue_ref, "Found it: a null check in the CSV writer.", public=True)
    dev.comment(issue_ref, "Private: the customer's data set is huge.", public=False)
    sb.wait(
        "the developer's public note on the ticket",
        lambda: notes(sb, ticket, public=False, text="null check in the CSV writer"),
        timeout=40,
    )

    # the developer resolves the issue: the ticket is solved and the customer told
    dev.set_status(issue_ref, "Resolved")
    sb.wait(
        "resolved: ticket solved, customer told",
        lambda: (
            hd.ticket(ticket).status == TicketStatus.SOLVED
            and notes(sb, ticket, public=True, text="fixed")
        ),
        timeout=40,
    )
    sb.settle(timeout=40)

    # nothing written twice; the private note never reached the customer
    assert len(dev.issues(str(sb.project), subject)) == 1
    assert len(_on_issue(sb, issue_ref, "4.2 on Windows")) == 1
    assert len(notes(sb, ticket, public=True, text="has been fixed")) == 1
    assert not notes(sb, ticket, public=True, text="data set is huge")
    assert not notes(sb, ticket, public=True, text="null check")


def test_a_developer_closing_the_issue_solves_the_ticket(sb: Sandbox) -> None:
    hd, dev = sb.helpdesk, sb.tracker
    ticket = hd.create_ticket(f"Login loop {uuid.uuid4().hex[:6]}", "x", tags=["escalate"])
    issue_ref = sb.wait("Redmine issue", lambda: issue_of(sb, ticket), timeout=40)
    sb.wait("on-hold", lambda: hd.ticket(ticket).status == TicketStatus.ON_HOLD, timeout=40)
    dev.set_status(issue_ref, "Closed")
    sb.wait(
        "closed: ticket solved",
        lambda: hd.ticket(ticket).status == TicketStatus.SOLVED,
        timeout=40,
    )
