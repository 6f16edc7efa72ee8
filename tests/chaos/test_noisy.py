"""Guarantee 8, noisy failure: when a connector starts failing (credentials revoked, host
down) the daemon says so once, shows it on ``/readyz`` with the reason and since when, keeps
retrying with backoff, and says once when it recovers. Nothing piles up meanwhile."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from syncd.model import TicketStatus
from syncd.testing.sandbox import Sandbox
from tests.chaos.harness import PROJECT


def _tries_within(seconds: float, base: float, cap: float) -> int:
    """How many failed attempts backoff allows in ``seconds``: the first, one after each
    delay that fits, and one more in flight when the failure ends."""
    tries, waited = 1, 0.0
    while True:
        waited += min(cap, base * 2 ** (tries - 1))
        if waited > seconds:
            return tries + 1
        tries += 1


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
        began = time.monotonic()
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
        failed_for = time.monotonic() - began
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
    # bounded: per note, its copy and the look at its files (a comment webhook names none),
    # never more however often they are retried
    assert depth["outbox"] <= 2 * 5 and depth["inbox"] == 0 and depth["dead"] == 0
    # backoff, not a hot loop: each action's retries wait ever longer, and no more of them
    # came than that schedule fits in the time the connector failed (however long a busy
    # machine made that)
    engine = sb.service.settings.engine
    by_action: dict[str, list[dict[str, Any]]] = {}
    for e in logs:
        if e["event"] == "action.retry":
            by_action.setdefault(e["key"], []).append(e)
    assert sum(len(tries) for tries in by_action.values()) == retries
    for tries in by_action.values():
        assert [t["attempt"] for t in tries] == list(range(1, len(tries) + 1))
        for t in tries:
            least = min(engine.backoff_cap, engine.backoff_base * 2 ** (t["attempt"] - 1))
            assert t["retry_in"] >= round(least, 2), tries
        assert len(tries) <= _tries_within(failed_for, engine.backoff_base, engine.backoff_cap)
    bodies = [c.body for c in sb.tracker.comments(issue)]
    for i in range(5):
        assert sum(f"while failing {i}" in b for b in bodies) == 1
