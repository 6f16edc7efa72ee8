"""Files cross both ways, through the daemon, on SQLite and PostgreSQL: a customer's screenshot
reaches Jira as an attachment and GitHub as a signed link that works and then expires; a
developer's Jira attachment reaches the Zendesk ticket; an oversize or disallowed file is named
in an internal note; an internal note's file goes only where the note goes; a file name is
redacted like text; and nothing is sent twice, by content, after a replay or a restart."""

from __future__ import annotations

import os
import re
from datetime import timedelta

import httpx
import pytest

from syncd.daemon.app import create_app
from syncd.daemon.service import Service
from syncd.model import Change, ChangeKind, Ref
from syncd.store import files as ledger
from syncd.testing.sandbox import Sandbox
from syncd.testing.server import ServerThread
from tests.e2e.test_escalation_path import issue_of, notes
from tests.e2e.workflow_helpers import StartSandbox, audit

PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(4000)
ROUTES = [
    {
        "name": "backend",
        "match": {"tags": ["escalate", "backend"]},
        "target": {"connector": "jira", "project": "WID", "issue_type": "Bug"},
        "attachments": {"max_size": "1MB", "extensions": ["png", "txt", "log"]},
        "privacy": {"redact": "always"},
    },
    {
        "name": "open-source",
        "match": {"tags": ["escalate", "oss"]},
        "target": {"connector": "github", "project": "acme/widgets"},
        "attachments": {"public_projects": True, "link_ttl": "1d"},
    },
    {
        "name": "widgets",
        "match": {"tags": ["escalate"]},
        "target": {"connector": "github", "project": "acme/widgets"},
    },
]
LINK = re.compile(r"http://[^\s)]+/files/\d+/[A-Za-z0-9_-]+\?exp=\d+&sig=[0-9a-f]+")


@pytest.fixture
def sb(hooked_on_store: StartSandbox) -> Sandbox:
    return hooked_on_store(more=("jira",), routes=ROUTES)


def escalated(
    sb: Sandbox, tags: list[str], files: tuple[tuple[str, bytes], ...]
) -> tuple[Ref, Ref]:
    ticket = sb.helpdesk.create_ticket(
        "Invoices render blank", "See the screenshot.", tags=tags, files=files
    )
    return ticket, sb.wait("issue", lambda: issue_of(sb, ticket))


def jira_files(sb: Sandbox, issue: Ref) -> list[str]:
    return sorted(f.name for f in sb.actor("jira").issue(issue).files)


def ticket_files(sb: Sandbox, ticket: Ref) -> list[tuple[str, bool]]:
    return [(f.name, c.public) for c in sb.helpdesk.comments(ticket) for f in c.files or ()]


def test_files_cross_between_zendesk_and_jira(sb: Sandbox) -> None:
    jira, zendesk = sb.actor("jira"), sb.sides["zendesk"].emulator
    files = (
        ("screen.png", PNG),
        ("invoice for ada@customer.example (march).txt", b"total: 0"),
        ("huge.log", b"x" * 1_100_000),
        ("tool.exe", b"MZ"),
    )
    ticket, issue = escalated(sb, ["escalate", "backend"], files)

    # the customer's screenshot reaches Jira as an attachment, byte for byte; the name with
    # an e-mail address in it is redacted like text
    sb.wait("attached on Jira", lambda: "screen.png" in jira_files(sb, issue))
    assert jira.file(issue, "screen.png") == PNG
    names = sb.wait("both files", lambda: len(jira_files(sb, issue)) == 2 and jira_files(sb, issue))
    assert "invoice for [redacted] (march).txt" in names
    assert not any("ada@customer.example" in n for n in names)
    # the oversize and the disallowed file are named to the agent, in an internal note
    note = sb.wait("refused note", lambda: notes(sb, ticket, public=False, text="huge.log"))
    assert "larger than 1.0MB" in note[0].body and "tool.exe: type .exe" in note[0].body
    assert not notes(sb, ticket, public=True, text="huge.log")

    # a file on an internal note stays private; on a note copied with /dev it goes along
    sb.helpdesk.comment(ticket, "Config, not for devs", public=False, files=(("cfg.txt", b"a"),))
    sb.helpdesk.comment(ticket, "/dev trace attached", public=False, files=(("trace.log", b"t"),))
    sb.wait("trace on Jira", lambda: "trace.log" in jira_files(sb, issue))
    # the file goes first, then the comment naming it: wait for both
    carrier = sb.wait(
        "the comment carrying the trace",
        lambda: [c for c in jira.comments(issue) if "trace.log" in c.body],
    )
    assert carrier and not carrier[0].public  # restricted, as the note it came with

    # a developer's attachment reaches the ticket for the agent; syncd's own do not come back
    jira.attach(issue, "fix-plan.txt", b"step 1", "text/plain")
    sb.wait("on the ticket", lambda: ("fix-plan.txt", False) in ticket_files(sb, ticket))
    stored = [f for f in zendesk.state.uploads.files.values() if f.name == "fix-plan.txt"]
    assert [f.content for f in stored] == [b"step 1"]

    # the customer sends the same screenshot again: the same content is not sent twice
    sb.helpdesk.comment(ticket, "Here it is again", public=True, files=(("again.png", PNG),))
    sb.settle()
    assert jira_files(sb, issue) == sorted(
        ["screen.png", "invoice for [redacted] (march).txt", "trace.log", "fix-plan.txt"]
    )
    assert "cfg.txt" not in str([c.body for c in jira.comments(issue)])
    assert sorted(n for n, _ in ticket_files(sb, ticket)).count("screen.png") == 1
    assert sb.service is not None
    with sb.service.store.peek() as tx:
        link = sb.service.store.link_for_ticket(tx, str(ticket))
        assert link is not None
        rows = ledger.carried(tx, link.id)
    assert [r["name"] for r in rows if r["outcome"] == "duplicate"] == ["again.png"]

    # a restart, then every change replayed: nothing new anywhere
    before = (len(jira.comments(issue)), jira_files(sb, issue), len(sb.helpdesk.comments(ticket)))
    restart(sb)
    replay(sb, ticket, issue)
    sb.settle()
    after = (len(jira.comments(issue)), jira_files(sb, issue), len(sb.helpdesk.comments(ticket)))
    assert after == before


def test_files_reach_github_as_signed_links_that_expire(sb: Sandbox) -> None:
    github = sb.tracker
    ticket, issue = escalated(sb, ["escalate", "oss"], (("screen.png", PNG),))
    comment = sb.wait(
        "link on GitHub", lambda: [c for c in github.comments(issue) if LINK.search(c.body)]
    )
    url = LINK.search(comment[0].body)
    assert url is not None and "screen.png" in comment[0].body
    got = httpx.get(url.group(0))
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["cache-control"] == "no-store"
    assert httpx.get(url.group(0)[:-4] + "0000").status_code == 403  # forged

    # a file on an internal note never goes to a public repository, even with /dev
    sb.helpdesk.comment(ticket, "/dev our trace", public=False, files=(("trace.log", b"t"),))
    sb.wait("agent told", lambda: notes(sb, ticket, public=False, text="trace.log"))
    sb.settle()
    assert not [c for c in github.comments(issue) if "trace.log" in c.body]

    # the link stops working once it expires
    assert sb.service is not None
    later = sb.service.clock() + timedelta(days=2)
    sb.service.clock = lambda: later
    expired = httpx.get(url.group(0))
    assert expired.status_code == 403 and "expired" in expired.text


def test_a_public_repository_gets_no_file_unless_the_route_allows(sb: Sandbox) -> None:
    github = sb.tracker
    ticket, issue = escalated(sb, ["escalate"], (("screen.png", PNG),))
    note = sb.wait("agent told", lambda: notes(sb, ticket, public=False, text="screen.png"))
    assert "the project is public" in note[0].body
    sb.settle()
    assert not [c for c in github.comments(issue) if "/files/" in c.body]


def test_a_file_whose_source_is_gone_is_set_aside_and_the_tracker_stays_healthy(
    sb: Sandbox,
) -> None:
    zendesk = sb.sides["zendesk"].emulator
    zendesk.control.faults.add(
        "status", status=404, method="GET", path="/attachments/token/", times=None
    )
    _, issue = escalated(sb, ["escalate", "backend"], (("screen.png", PNG),))
    dead = sb.wait(
        "set aside",
        lambda: [r for r in audit(sb, "dead_letter") if r.detail["kind"] == "copy_files"],
    )
    assert "its source on zendesk is gone" in dead[0].detail["reason"]
    assert sb.service is not None
    assert sb.service.health.snapshot()["jira"]["healthy"] is True
    assert jira_files(sb, issue) == []


def restart(sb: Sandbox) -> None:
    """Stop the daemon and start a new one on the same store and port."""
    assert sb.daemon is not None and sb.settings is not None
    sb.daemon.stop()
    sb.service = Service(sb.settings)
    sb.daemon = ServerThread(create_app(sb.service), port=sb.port).start()


def replay(sb: Sandbox, ticket: Ref, issue: Ref) -> None:
    """Every comment of the ticket and the issue's snapshot, taken in again."""
    assert sb.service is not None
    conns = sb.service.connectors
    changes = [
        Change(kind=ChangeKind.COMMENT, ref=ticket, comment=c, source="reconcile")
        for c in conns["zendesk"].comments(ticket)
    ]
    tracker = conns["jira"]
    changes.append(
        Change(
            kind=ChangeKind.UPSERT,
            ref=issue,
            issue=tracker.get_issue(issue),  # type: ignore[attr-defined]
            source="reconcile",
        )
    )
    with sb.service.store.tx() as tx:
        sb.service.store.enqueue(tx, changes)
