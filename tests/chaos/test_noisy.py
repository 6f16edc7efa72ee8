"""Guarantee 8, noisy failure: when a connector starts failing (credentials revoked, host
down) the daemon says so once, shows it on ``/readyz`` with the reason and since when, keeps
retrying with backoff, and says once when it recovers. Nothing piles up meanwhile."""

from __future__ import annotations

import time

import httpx
import pytest
from structlog.testing import capture_logs

from syncd.model import TicketStatus
from syncd.testing.sandbox import Sandbox
from tests.chaos.harness import PROJECT


@pytest.mark.parametrize("failure", ["auth revoked", "host down"])
def test_failing_connector_is_loud_once_bounded_and_recovers(hooked: Sandbox, failure: str) -> None:
    sb = hooked
    assert sb.service is not None
    ticket = sb.helpdesk.create_ticket("Noisy", "x", tags=["escalate"])
    sb.wait("hand-off", lambda: sb.helpdesk.ticket(ticket).status == TicketStatus.ON_HOLD)
    sb.settle()
    (issue,) = [i.ref for i in sb.tracker.issues(PROJECT)]
    faults = sb.tracker.emulator.control.faults
    with capture_logs() as logs:
        if failure == "auth revoked":
            faults.add("status", status=401, times=None)
        else:
            faults.add("status", status=503, times=None)
        for i in range(5):
            sb.helpdesk.comment(ticket, f"/dev while failing {i}", public=False)
        ready = sb.wait(
            "readyz says not ready",
            lambda: (r := httpx.get(f"{sb.url}/readyz")).status_code == 503 and r.json(),
        )
        time.sleep(2.5)  # several rounds of retries
        depth = sb.service.store.depth()
        attempts = sb.service.status()["outbox"]
        gh = ready["connectors"]["github"]
        faults.clear()
        sb.wait("recovered", lambda: httpx.get(f"{sb.url}/readyz").status_code == 200, timeout=30)
        sb.settle(timeout=30)
    events = [e["event"] for e in logs]
    retries = events.count("action.retry")
    print(
        f"\nnoisy ({failure}): readyz {gh['reason']!r} since {gh['since']}; "
        f"{retries} retries of 5 actions in ~2.5s; depth while failing {depth}; outbox {attempts}"
    )
    assert gh["healthy"] is False and gh["since"]
    assert ("credentials" in gh["reason"]) == (failure == "auth revoked")
    assert events.count("connector.failing") == 1
    assert events.count("connector.recovered") == 1
    assert depth["outbox"] <= 5 and depth["inbox"] == 0 and depth["dead"] == 0  # bounded
    assert retries <= 5 * 6  # backoff: a handful of tries each, not a hot loop
    bodies = [c.body for c in sb.tracker.comments(issue)]
    for i in range(5):
        assert sum(f"while failing {i}" in b for b in bodies) == 1
