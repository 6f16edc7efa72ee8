"""A stored poll cursor the connector cannot read: the poll stops without touching it, the
connector is unhealthy at once with what to do (logged once, ``/readyz`` 503), webhooks and
writes go on, and ``syncd cursor reset`` moves it on. Everything against the emulators."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from structlog.testing import capture_logs
from typer.testing import CliRunner

from syncd import metrics
from syncd.cli import app
from syncd.connector import PollCursors, PollPage, RateBudget
from syncd.daemon.poller import Poller
from syncd.engine.health import Health
from syncd.testing.sandbox import Sandbox

BROKEN = '{"v": 1, "repos": {"acme/widgets": {"issues": {"since": "yester'


def polls(connector: str, outcome: str = "ok") -> float:
    labels = {"connector": connector, "outcome": outcome}
    return metrics.REGISTRY.get_sample_value("syncd_polls_total", labels) or 0.0


def readyz(sb: Sandbox) -> httpx.Response:
    return httpx.get(f"{sb.url}/readyz", timeout=5)


def reset(sb: Sandbox, *args: str) -> str:
    result = CliRunner().invoke(
        app, ["cursor", "reset", *args, "-c", str(sb.folder / "syncd.yaml")]
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_an_unreadable_cursor_stops_the_poll_loudly_until_it_is_reset(tmp_path: Path) -> None:
    started = polls("github")
    with Sandbox(folder=tmp_path, webhooks=True, poll_interval=3600.0) as sb:
        assert sb.service is not None
        service, store, poller = sb.service, sb.service.store, sb.service.poller
        sb.wait("the first poll", lambda: polls("github") > started)
        with store.tx() as tx:
            store.set_cursor(tx, "github", BROKEN)
        github = sb.sides["github"].emulator.control
        with capture_logs() as logs:
            asked = github.total("GET /repos")
            for _ in range(4):  # the first refuses; the others only look at the store
                assert poller.poll("github") == 0
            assert github.total("GET /repos") == asked
            assert store.cursor("github") == BROKEN
            state = service.health.snapshot()["github"]
            reason = str(state["reason"])
            assert state["stuck"] and not state["healthy"] and state["since"]
            assert "poll cursor of github unreadable: not JSON" in reason
            assert "syncd cursor reset github --since" in reason and "syncd reconcile" in reason
            answer = readyz(sb)
            assert answer.status_code == 503
            assert answer.json()["connectors"]["github"]["reason"] == reason

            # deliveries and writes for the stuck connector go on meanwhile
            ticket = sb.helpdesk.create_ticket("Crash on save", "x", tags=["escalate"])
            (issue,) = sb.wait("issue filed", lambda: sb.tracker.issues(sb.project))
            sb.tracker.comment(issue.ref, "Found it: a null check.")
            sb.wait(
                "the developer's comment on the ticket",
                lambda: any("null check" in c.body for c in sb.helpdesk.comments(ticket)),
            )
            assert service.health.snapshot()["github"]["stuck"]  # a write does not clear it
            assert readyz(sb).status_code == 503
            assert poller.poll("github") == 0 and store.cursor("github") == BROKEN

            said = reset(sb, "github", "--since", "10m")
            assert "next cycle" in said and "/readyz recovers" in said
            poller.poll("github")
            assert service.health.snapshot()["github"]["healthy"]
            assert readyz(sb).status_code == 200
            sb.settle()
        mine = [e for e in logs if e.get("connector") == "github"]
        failing = [e for e in mine if e["event"] == "connector.failing"]
        assert len(failing) == 1 and failing[0]["log_level"] == "error"
        assert BROKEN not in str(failing[0])  # a short excerpt, not the whole cursor
        assert [e["event"] for e in mine].count("connector.recovered") == 1
        # what the reset poll read again was recognised: one issue, one copy of the comment
        assert len(sb.tracker.issues(sb.project)) == 1
        assert sum("null check" in c.body for c in sb.helpdesk.comments(ticket)) == 1


def test_changes_made_while_stuck_come_in_after_a_reset_since(tmp_path: Path) -> None:
    started = polls("zendesk")
    with Sandbox(folder=tmp_path, webhooks=False, poll_interval=0.3) as sb:
        assert sb.service is not None
        store = sb.service.store
        sb.wait("a first poll", lambda: polls("zendesk") > started)
        with store.tx() as tx:
            store.set_cursor(tx, "zendesk", "42")
        sb.wait("readyz says why", lambda: readyz(sb).status_code == 503)
        refused = polls("zendesk", "cursor_error")
        ticket = sb.helpdesk.create_ticket("Export crashes", "x", tags=["escalate"])
        cycles = polls("github")
        sb.wait("a few poll cycles", lambda: polls("github") >= cycles + 3)
        assert sb.tracker.issues(sb.project) == []  # nothing came in: the poll waits
        assert store.cursor("zendesk") == "42"
        assert polls("zendesk", "cursor_error") == refused  # refused once, then only looked

        said = reset(sb, "zendesk", "--since", "5m")
        assert "zendesk: poll cursor reset" in said
        (issue,) = sb.wait("the ticket escalated", lambda: sb.tracker.issues(sb.project))
        assert str(ticket.key) in issue.body or sb.helpdesk.ticket(ticket).url in issue.body
        sb.wait("ready again", lambda: readyz(sb).status_code == 200)


def test_a_reset_made_while_a_poll_runs_is_not_overwritten(tmp_path: Path) -> None:
    started = polls("github")
    with Sandbox(folder=tmp_path, webhooks=False, poll_interval=3600.0) as sb:
        assert sb.service is not None
        store = sb.service.store
        sb.wait("the service's first poll", lambda: polls("github") > started)
        github = sb.service.connectors["github"]
        assert isinstance(github, PollCursors)
        operator = github.cursor_since(datetime.now(UTC) - timedelta(hours=1))

        class ResetWhilePolling:
            """The real connector; an operator's reset lands while its poll is answered."""

            name, capabilities = github.name, github.capabilities

            def poll(self, cursor: str | None) -> PollPage:
                page = github.poll(cursor)
                with store.tx() as tx:
                    store.set_cursor(tx, "github", operator)
                return page

            def rate_budget(self) -> RateBudget:
                return github.rate_budget()

        poller = Poller(store, {"github": ResetWhilePolling()}, Health(["github"]))  # type: ignore[dict-item]
        with capture_logs() as logs:
            poller.poll("github")
        assert store.cursor("github") == operator
        assert [e["event"] for e in logs].count("poll.cursor_replaced") == 1
