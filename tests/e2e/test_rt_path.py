"""Request Tracker (a real RT 5) through the daemon: a ticket escalated to the GitHub emulator
and another to the Jira emulator, comments both ways, developer closes -> RT ticket resolved
with the customer told, a redirect route; once through the Scrip notices, once polling only."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from syncd.model import IssueStatus, Ref, TicketStatus
from syncd.testing.sandbox import Sandbox
from syncd.testing.server import free_port
from tests.e2e.test_escalation_path import issue_of
from tests.e2e.workflow_helpers import StartSandbox, delivery
from tests.realservers.rt_actor import RealRTActor
from tests.realservers.rt_server import RealRT

pytestmark = pytest.mark.realserver

RT_ROUTES = [
    {
        "name": "vendor",
        "match": {"group": ["Support"], "fields": {"Product": "vendor"}},
        "mode": "redirect",
        "target": {"connector": "github", "project": "acme/widgets"},
    },
    {
        "name": "backend",
        "match": {"group": ["Support"], "fields": {"Product": "backend"}},
        "mode": "pending",
        "target": {"connector": "jira", "project": "WID"},
    },
    {
        "name": "widgets",
        "match": {"group": ["Support"], "fields": {"Product": "widgets"}},
        "mode": "pending",
        "target": {"connector": "github", "project": "acme/widgets"},
    },
]


NOTIFY = ("SYNCD_RT_NOTIFY_URL", "SYNCD_RT_NOTIFY_SECRET")


@contextmanager
def notify_env(url: str, secret: str) -> Iterator[None]:
    """The Scrip's URL and secret in the environment rt.sh starts the server with."""
    saved = {k: os.environ.get(k) for k in NOTIFY}
    os.environ.update(zip(NOTIFY, (url, secret), strict=True))
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def rt_server() -> Iterator[tuple[RealRT, int, str]]:
    """One real RT for the module; its Scrip posts to the daemon's (fixed) port.

    When RT already runs for other tests (the connector's session fixture), rt.sh restarts it
    to post here; afterwards it is restarted to post where it did before, with the secret it
    had, so those tests still receive its notices, in whatever order the tests run."""
    port, secret = free_port(), secrets.token_hex(16)
    before = RealRT.running()
    with notify_env(f"http://127.0.0.1:{port}/webhooks/rt", secret):
        server = RealRT.started_or_skip()
        yield server, port, secret
    if before is None:
        server.stop()
    else:
        with notify_env(str(before["notify_url"]), str(before["notify_secret"])):
            RealRT.start()


@pytest.fixture(params=["notices", "polling"])
def rt_sb(
    request: pytest.FixtureRequest, start_sandbox: StartSandbox, rt_server: tuple[RealRT, int, str]
) -> Sandbox:
    """The daemon with the real RT and the GitHub and Jira emulators; with the Scrip's
    notices, or polling only (the daemon then refuses the notices)."""
    server, port, secret = rt_server
    notices = request.param == "notices"
    info = server.info
    actor = RealRTActor(info)
    conf = {
        "kind": "rt",
        "base_url": info["base_url"],
        "token": info["syncd_token"],
        "webhook_secret": secret,
        "queues": ["Support"],
    }
    return start_sandbox(
        helpdesk_kind="rt",
        more=("jira",),
        routes=RT_ROUTES,
        port=port,
        external={"rt": (conf, actor)},
        closing=(actor.close,),
        **delivery(notices),
    )


def _notes(sb: Sandbox, ticket: Ref, *, public: bool, text: str) -> list[object]:
    return [c for c in sb.helpdesk.comments(ticket) if c.public is public and text in c.body]


def test_rt_to_github_and_jira(rt_sb: Sandbox) -> None:
    sb = rt_sb
    rt, gh, jira = sb.helpdesk, sb.tracker, sb.actor("jira")
    t1 = rt.create_ticket("Export crashes", "Every time.", fields={"Product": "widgets"})
    t2 = rt.create_ticket("API 500 on /orders", "Since noon.", fields={"Product": "backend"})
    other = rt.create_ticket("Password reset", "How?", fields={"Product": "accounts"})

    i1 = sb.wait("GitHub issue for the widgets ticket", lambda: issue_of(sb, t1), timeout=40)
    i2 = sb.wait("Jira issue for the backend ticket", lambda: issue_of(sb, t2), timeout=40)
    assert i1.connector == "github" and i2.connector == "jira"
    issue = gh.issue(i1)
    assert issue.title == "Export crashes" and rt.ticket(t1).url in issue.body
    assert "@" not in issue.body

    for t in (t1, t2):
        sb.wait(
            "RT ticket stalled with the hand-off reply",
            lambda t=t: (
                rt.ticket(t).status == TicketStatus.ON_HOLD
                and _notes(sb, t, public=True, text="developers")
            ),
            timeout=40,
        )
    assert _notes(sb, t1, public=False, text=issue.url)

    rt.comment(t1, "/dev Customer runs 4.2 on Windows", public=False)
    sb.wait(
        "RT note on GitHub",
        lambda: [c for c in gh.comments(i1) if "4.2 on Windows" in c.body],
        timeout=40,
    )
    gh.comment(i1, "Found it: a null check.")
    sb.wait(
        "GitHub comment as an RT internal comment",
        lambda: _notes(sb, t1, public=False, text="a null check"),
        timeout=40,
    )
    jira.restricted_comment(i2, "Pool exhausted.")
    sb.wait(
        "restricted Jira comment as an RT internal comment",
        lambda: _notes(sb, t2, public=False, text="Pool exhausted"),
        timeout=40,
    )

    gh.set_status(i1, IssueStatus.DONE)
    jira.set_status(i2, IssueStatus.DONE)
    for t in (t1, t2):
        sb.wait(
            "resolved, customer told",
            lambda t=t: (
                rt.ticket(t).status == TicketStatus.SOLVED
                and _notes(sb, t, public=True, text="fixed")
            ),
            timeout=40,
        )
    assert issue_of(sb, other) is None
    sb.settle(timeout=40)
    assert len(gh.issues("acme/widgets")) == 1 and len(jira.issues("WID")) == 1
    assert len(_notes(sb, t1, public=True, text="has been fixed")) == 1


def test_rt_files_cross_with_jira(rt_sb: Sandbox) -> None:
    sb = rt_sb
    rt, jira = sb.helpdesk, sb.actor("jira")
    shot = b"\x89PNG\r\n\x1a\n" + os.urandom(3000)
    t = rt.create_ticket("Blank invoice", "See next reply.", fields={"Product": "backend"})
    issue = sb.wait("Jira issue", lambda: issue_of(sb, t), timeout=40)
    rt.comment(t, "Here is what I see", public=True, files=(("invoice.png", shot),))
    sb.wait(
        "the customer's file on Jira",
        lambda: "invoice.png" in [f.name for f in jira.issue(issue).files],
        timeout=40,
    )
    assert jira.file(issue, "invoice.png") == shot
    jira.attach(issue, "fix.txt", b"patched in 4.3", "text/plain")
    sb.wait(
        "the developer's file on the RT ticket",
        lambda: [
            f for c in rt.comments(t) if not c.public for f in c.files or () if f.name == "fix.txt"
        ],
        timeout=40,
    )
    assert rt.file(t, "fix.txt") == b"patched in 4.3"
    sb.settle(timeout=40)
    names = [f.name for c in rt.comments(t) for f in c.files or ()]
    assert sorted(names) == ["fix.txt", "invoice.png"]  # nothing came back twice
    assert sorted(f.name for f in jira.issue(issue).files) == ["fix.txt", "invoice.png"]


def test_rt_redirect_route(rt_sb: Sandbox) -> None:
    sb = rt_sb
    rt = sb.helpdesk
    t = rt.create_ticket("Card payments fail", "Provider issue.", fields={"Product": "vendor"})
    ref = sb.wait("issue", lambda: issue_of(sb, t), timeout=40)
    url = sb.tracker.issue(ref).url
    sb.wait(
        "RT ticket resolved with the redirect message",
        lambda: rt.ticket(t).status == TicketStatus.SOLVED and _notes(sb, t, public=True, text=url),
        timeout=40,
    )


@pytest.fixture
def rt_hooked(
    request: pytest.FixtureRequest, start_sandbox: StartSandbox, rt_server: tuple[RealRT, int, str]
) -> Sandbox:
    server, port, secret = rt_server
    actor = RealRTActor(server.info)
    conf = {
        "kind": "rt",
        "base_url": server.info["base_url"],
        "token": server.info["syncd_token"],
        "webhook_secret": secret,
        "queues": ["Support", "Restricted"],
    }
    return start_sandbox(
        helpdesk_kind="rt",
        routes=RT_ROUTES[2:],
        port=port,
        poll_interval=60.0,
        external={"rt": (conf, actor)},
        closing=(actor.close,),
    )


def test_rt_refusals_stay_local(rt_hooked: Sandbox) -> None:
    """A ticket moved to a queue syncd may not write dead-letters only its own action; the
    other escalations go on."""
    sb = rt_hooked
    rt, gh = sb.helpdesk, sb.tracker
    lost = rt.create_ticket("Moved away", "x", fields={"Product": "widgets"})
    fine = rt.create_ticket("Stays", "y", fields={"Product": "widgets"})
    i_lost = sb.wait("issue", lambda: issue_of(sb, lost), timeout=40)
    i_fine = sb.wait("issue", lambda: issue_of(sb, fine), timeout=40)
    sb.settle(timeout=40)
    r = rt.http.put(f"/ticket/{lost.key}", json={"Queue": "Restricted"})
    r.raise_for_status()
    gh.comment(i_lost, "Note for a ticket syncd can no longer write.")
    gh.comment(i_fine, "Note that must arrive.")
    sb.wait(
        "the other ticket still syncs",
        lambda: _notes(sb, fine, public=False, text="must arrive"),
        timeout=40,
    )
    assert sb.service is not None
    sb.wait("one dead letter", lambda: sb.service.store.depth()["dead"] == 1, timeout=40)
    assert sb.service.health.snapshot()["rt"]["healthy"]


def test_rt_revoked_token_marks_connector_unhealthy(
    start_sandbox: StartSandbox, rt_server: tuple[RealRT, int, str]
) -> None:
    server, port, secret = rt_server
    actor = RealRTActor(server.info)
    conf = {
        "kind": "rt",
        "base_url": server.info["base_url"],
        "token": "1-2-expired",
        "webhook_secret": secret,
        "queues": ["Support"],
    }
    sb = start_sandbox(
        helpdesk_kind="rt",
        routes=RT_ROUTES[2:],
        port=port,
        poll_interval=0.5,
        webhooks=False,
        external={"rt": (conf, actor)},
        closing=(actor.close,),
    )
    ready = httpx.get(f"{sb.url}/readyz").json()
    rt_state = ready["connectors"]["rt"]
    assert ready["ready"] is False and rt_state["healthy"] is False
    assert "token" in rt_state["reason"] and rt_state["since"]
    assert "1-2-expired" not in rt_state["reason"]
