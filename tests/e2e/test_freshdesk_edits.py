"""Edited and deleted comments between Freshdesk and GitHub, from end to end.

A developer's comment reaches the ticket as a private note; when the developer edits it the
note is edited in place, and when they delete it the note is deleted (GitHub tells deletions
only by webhook, so that test runs with webhooks). An agent's /dev note reaches the issue;
when the agent edits it the issue's copy follows. Freshdesk's automation rules have no event
for an edited note, so that edit arrives by polling (the note's and the ticket's
``updated_at`` move); a deleted note leaves nothing Freshdesk lists, so its copy stays.
"""

from __future__ import annotations

import time

import pytest

from connectors.freshdesk.mapping import parse_time
from syncd.model import Ref
from syncd.store import analytics
from syncd.testing.sandbox import Sandbox
from tests.e2e.test_escalation_path import issue_of, notes
from tests.e2e.test_freshdesk_path import FRESHDESK_TO_GITHUB, PROJECT, ROUTES
from tests.e2e.workflow_helpers import StartSandbox, delivery

WAIT = 60.0  # generous: the CI machine is loaded


@pytest.fixture
def with_webhooks(start_sandbox: StartSandbox) -> Sandbox:
    return start_sandbox(**FRESHDESK_TO_GITHUB, routes=ROUTES, **delivery(True))


@pytest.fixture
def polling(start_sandbox: StartSandbox) -> Sandbox:
    return start_sandbox(**FRESHDESK_TO_GITHUB, routes=ROUTES, **delivery(False))


def _escalate(sb: Sandbox, subject: str) -> tuple[Ref, Ref]:
    ticket = sb.helpdesk.create_ticket(
        subject, "Crashes every time.", tags=["escalate"], requester="Ada Lovelace"
    )
    return ticket, sb.wait("GitHub issue created", lambda: issue_of(sb, ticket), WAIT)


def _copies(sb: Sandbox, issue: Ref, text: str) -> list[str]:
    return [c.body for c in sb.tracker.comments(issue) if text in c.body]


def _past_the_tickets_second(sb: Sandbox, ticket: Ref) -> None:
    """Wait until the clock has left the second of the ticket's last change: the poll takes
    a ticket by that second, and an agent's change within it would not move the ticket, so
    polling alone would not see it (a person acts seconds later; the connector's README)."""
    sb.settle(WAIT)  # syncd's own writes to the ticket are done: its second is the last
    raw = sb.sides["freshdesk"].emulator.ticket(int(ticket.key))["updated_at"]
    second = parse_time(raw)
    assert second is not None
    sb.wait("a later second", lambda: time.time() >= second.timestamp() + 1, WAIT)


def test_a_developers_edit_then_deletion_reach_the_ticket(with_webhooks: Sandbox) -> None:
    sb = with_webhooks
    gh = sb.tracker
    emu = sb.sides["freshdesk"].emulator
    ticket, issue = _escalate(sb, "Export to CSV crashes")
    dev = gh.comment(issue, "Found it: null check in the CSV writer.")
    sb.wait(
        "developer comment as a private note",
        lambda: notes(sb, ticket, public=False, text="CSV writer"),
        WAIT,
    )

    gh.edit_comment(issue, dev, "Found it: null check in the CSV exporter.")
    sb.wait(
        "the note edited in place",
        lambda: (
            notes(sb, ticket, public=False, text="CSV exporter")
            and not notes(sb, ticket, public=False, text="CSV writer")
        ),
        WAIT,
    )
    edited = [c for c in emu.conversations(int(ticket.key)) if "CSV exporter" in c["body_text"]]
    assert len(edited) == 1 and edited[0]["private"] and edited[0]["source"] == 2
    assert edited[0]["last_edited_user_id"] == emu.bot.id  # syncd edited its own note

    gh.delete_comment(issue, dev)
    sb.wait(
        "the note deleted",
        lambda: not [c for c in sb.helpdesk.comments(ticket) if "null check" in c.body],
        WAIT,
    )
    sb.settle(WAIT)
    assert not notes(sb, ticket, public=True, text="null check")  # never a reply
    assert len(gh.issues(PROJECT)) == 1


def test_a_developers_edited_reply_to_the_customer_is_told_to_the_agent(
    with_webhooks: Sandbox,
) -> None:
    # the customer has the reply by e-mail, and Freshdesk edits notes only: the reply stays as
    # sent, the agent reads the new text in a private note, and nothing sits in dead letters
    sb = with_webhooks
    gh = sb.tracker
    ticket, issue = _escalate(sb, "Login loops")
    dev = gh.comment(issue, "/customer We found the cause; a fix ships this week.")
    sb.wait("the reply", lambda: notes(sb, ticket, public=True, text="ships this week"), WAIT)
    gh.edit_comment(issue, dev, "/customer We found the cause; a fix ships on Monday.")
    sb.wait(
        "the agent told of the edit",
        lambda: notes(sb, ticket, public=False, text="ships on Monday"),
        WAIT,
    )
    sb.settle(WAIT)
    assert notes(sb, ticket, public=True, text="ships this week")  # the reply as sent
    assert not notes(sb, ticket, public=True, text="ships on Monday")
    assert sb.service is not None
    assert analytics.dead(sb.service.store) == []


def test_an_edit_freshdesk_refuses_reaches_the_agent_as_a_note(with_webhooks: Sandbox) -> None:
    sb = with_webhooks
    gh = sb.tracker
    ticket, issue = _escalate(sb, "Report totals off")
    dev = gh.comment(issue, "Rounding happens twice.")
    sb.wait("the note", lambda: notes(sb, ticket, public=False, text="happens twice"), WAIT)
    faults = sb.sides["freshdesk"].emulator.control.faults
    faults.add("status", status=422, method="PUT", path=r"/conversations/", times=None)
    gh.edit_comment(issue, dev, "Rounding happens twice, in the exporter.")
    sb.wait(
        "the agent told of the refused edit",
        lambda: notes(sb, ticket, public=False, text="could not be changed"),
        WAIT,
    )
    said = notes(sb, ticket, public=False, text="could not be changed")
    assert "in the exporter" in said[0].body  # type: ignore[attr-defined]
    assert sb.service is not None
    assert analytics.dead(sb.service.store) == []


def test_an_agents_edited_note_reaches_the_issue_by_polling(polling: Sandbox) -> None:
    sb = polling
    hd = sb.helpdesk
    ticket, issue = _escalate(sb, "Import drops rows")
    note = hd.comment(ticket, "/dev Customer runs 4.2 on Windows", public=False)
    private = hd.comment(ticket, "private musing, not for devs", public=False)
    sb.wait("/dev note on the issue", lambda: _copies(sb, issue, "4.2 on Windows"), WAIT)

    _past_the_tickets_second(sb, ticket)
    hd.edit_comment(ticket, note, "/dev Customer runs 4.3 on Windows 11")
    hd.edit_comment(ticket, private, "private musing, still not for devs")
    sb.wait(
        "the issue's copy edited",
        lambda: _copies(sb, issue, "4.3 on Windows 11") and not _copies(sb, issue, "4.2"),
        WAIT,
    )
    assert len(_copies(sb, issue, "on Windows")) == 1  # edited in place, not a second copy
    assert not _copies(sb, issue, "musing")

    # a deleted note: Freshdesk lists nothing that says so; a later edit of another /dev
    # note arrives while the deleted note's copy stays
    _past_the_tickets_second(sb, ticket)
    later = hd.comment(ticket, "/dev Logs attached to the ticket", public=False)
    sb.wait("second /dev note on the issue", lambda: _copies(sb, issue, "Logs attached"), WAIT)
    hd.delete_comment(ticket, note)
    _past_the_tickets_second(sb, ticket)
    hd.edit_comment(ticket, later, "/dev Logs and a screenshot attached")
    sb.wait("second edit on the issue", lambda: _copies(sb, issue, "screenshot"), WAIT)
    assert _copies(sb, issue, "4.3 on Windows 11")
    assert len(sb.tracker.issues(PROJECT)) == 1
