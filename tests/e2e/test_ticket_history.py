"""The ticket's conversation reaches the developers, through the daemon, on SQLite and
PostgreSQL: on a private Jira project as one comment kept up to date; on a public GitHub
repository as a signed link to syncd's page, which shows the conversation redacted, is
audited at every read and refused once expired or forged; a developer's ``/history`` shares
it again."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from syncd.engine import history_job
from syncd.model import Ref
from syncd.testing.sandbox import Sandbox
from tests.e2e.test_escalation_path import issue_of
from tests.e2e.workflow_helpers import StartSandbox, audit, link_of, notes

ROUTES = [
    {
        "name": "backend",
        "match": {"tags": ["escalate", "backend"]},
        "target": {"connector": "jira", "project": "WID", "issue_type": "Bug"},
    },
    {
        "name": "widgets",
        "match": {"tags": ["escalate"]},
        "target": {"connector": "github", "project": "acme/widgets"},
    },
]
TITLE = "the conversation**"
PAGE = re.compile(r"http://127\.0\.0\.1:\d+/history/\d+\?exp=\d+&sig=[0-9a-f]{64}")


@pytest.fixture
def sb(hooked_on_store: StartSandbox) -> Sandbox:
    return hooked_on_store(more=("jira",), routes=ROUTES)


def talked_then_escalated(sb: Sandbox, tags: list[str]) -> tuple[Ref, Ref]:
    """A ticket with a public reply (an attachment, an e-mail address), a /dev note and a
    private one, escalated afterwards by its tags."""
    hd = sb.helpdesk
    ticket = hd.create_ticket("Invoices fail to render", "Since the update.", tags=[])
    hd.comment(
        ticket,
        "Dear Ada, please send the logs to ops-desk@example.com.",
        public=True,
        files=("render.log",),
    )
    hd.comment(ticket, "/dev Customer runs 4.2 on Windows", public=False)
    hd.comment(ticket, "private musing, not for the developers", public=False)
    sb.sides["zendesk"].emulator.update(int(ticket.key), tags=tags)
    return ticket, sb.wait("issue", lambda: issue_of(sb, ticket))


def history_comments(actor: Any, issue: Ref) -> list[Any]:
    return [c for c in actor.comments(issue) if TITLE in c.body]


def test_private_jira_project_gets_the_conversation_kept_in_one_comment(sb: Sandbox) -> None:
    jira = sb.actor("jira")
    ticket, issue = talked_then_escalated(sb, ["escalate", "backend"])
    (kept,) = sb.wait("history comment", lambda: history_comments(jira, issue))
    body = kept.body
    assert "please send the logs" in body and "render.log" in body
    assert "Customer runs 4.2 on Windows" in body and "/dev Customer" not in body
    assert "private musing" not in body
    assert "<details>" not in body  # Jira: a plain comment
    assert "/history/" not in body  # a private project: the conversation itself

    # later: the customer writes, a developer asks again; the same comment is brought up to date
    sb.helpdesk.comment(ticket, "Any news on this?", public=True)
    jira.comment(issue, "/history")
    sb.wait(
        "history brought up to date",
        lambda: [c for c in history_comments(jira, issue) if "Any news on this?" in c.body],
    )
    sb.settle()
    assert len(history_comments(jira, issue)) == 1
    assert not notes(sb, ticket, "/history")  # the request is not copied to the ticket
    shared = [r for r in audit(sb, "history_shared") if r.issue_ref == str(issue)]
    assert [r.detail["mode"] for r in shared] == ["comment", "comment"]


def test_public_github_repo_gets_a_signed_link_to_a_redacted_page(sb: Sandbox) -> None:
    github = sb.tracker
    assert sb.service is not None
    ticket, issue = talked_then_escalated(sb, ["escalate"])
    (kept,) = sb.wait("history link", lambda: history_comments(github, issue))
    assert "Customer runs 4.2" not in kept.body and "ops-desk" not in kept.body
    match = PAGE.search(kept.body)
    assert match is not None, kept.body
    url = match.group(0)
    link = link_of(sb, ticket)
    assert link is not None and f"/history/{link.id}?" in url

    page = httpx.get(url)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    text = page.text
    assert "please send the logs" in text and "Customer runs 4.2 on Windows" in text
    assert "ops-desk@example.com" not in text and "[redacted]" in text
    assert "render.log" in text and "private musing" not in text
    assert "Ticket conversation shared with the developers" in text  # the timeline
    (read,) = [r for r in audit(sb, "history_read") if r.link_id == link.id]
    assert read.detail["entries"] == 4  # the description, the reply, the note, the hand-off

    # forged (another signature, another link id) and expired links are refused
    forged = httpx.get(url[:-6] + "000000")
    assert forged.status_code == 403 and "not valid" in forged.text
    other = httpx.get(url.replace(f"/history/{link.id}?", f"/history/{link.id + 1}?"))
    assert other.status_code == 403
    past = sb.service.rules.signer.url(link.id, datetime.now(UTC) - timedelta(minutes=1))
    expired = httpx.get(past)
    assert expired.status_code == 403 and "expired" in expired.text
    assert [r.link_id for r in audit(sb, "history_refused")] == [link.id]
    assert len([r for r in audit(sb, "history_read") if r.link_id == link.id]) == 1

    # a developer asks again: a fresh link in the same comment; the page shows what is new
    sb.helpdesk.comment(ticket, "Any news on this?", public=True)
    github.comment(issue, "/history")
    sb.wait(
        "shared again",
        lambda: len([r for r in audit(sb, "history_shared") if r.link_id == link.id]) == 2,
    )
    sb.settle()
    (kept,) = history_comments(github, issue)
    again = PAGE.search(kept.body)
    assert again is not None
    assert "Any news on this?" in httpx.get(again.group(0)).text
    assert not notes(sb, ticket, "/history")

    # the link is renewed before it expires (the periodic job, here at a frozen time)
    store, rules = sb.service.store, sb.service.rules
    now = datetime.now(UTC)
    assert history_job.refresh(store, rules, now) == 0  # a week to go: not yet
    assert history_job.refresh(store, rules, now + timedelta(days=6, hours=12)) == 1
    renewed = sb.wait(
        "renewed link",
        lambda: [
            m.group(0)
            for c in history_comments(github, issue)
            if (m := PAGE.search(c.body)) and m.group(0) != again.group(0)
        ],
    )
    assert _exp(renewed[0]) >= _exp(again.group(0)) + 6 * 86400
    assert httpx.get(renewed[0]).status_code == 200
    assert len(history_comments(github, issue)) == 1
    shares = [r for r in audit(sb, "history_shared") if r.link_id == link.id]
    assert shares[-1].detail["renewed"] is True and shares[-1].detail["mode"] == "link"


def _exp(url: str) -> int:
    return int(url.split("exp=")[1].split("&")[0])
