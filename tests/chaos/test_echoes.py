"""Guarantee 3, no echoes: both sides edited in turn, many times, with webhooks and again with
polling only. Each real change yields at most one write to the other side, and no write of
syncd's comes back as a change (nothing moves once the changes stop)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncd.model import IssueStatus, TicketStatus
from syncd.testing.sandbox import Sandbox
from tests.chaos.harness import PROJECT


@pytest.fixture(params=["webhooks", "polling"])
def both_ways(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Sandbox]:
    hooks = request.param == "webhooks"
    sb = Sandbox(folder=tmp_path, webhooks=hooks, poll_interval=3600.0 if hooks else 0.3)
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()


def _writes(sb: Sandbox, kind: str) -> int:
    control = sb.sides[kind].emulator.control
    return sum(control.total(m) for m in ("POST", "PUT", "PATCH", "DELETE"))


def test_turns_on_both_sides_make_one_write_each_and_no_echo(both_ways: Sandbox) -> None:
    sb = both_ways
    assert sb.service is not None
    ticket = sb.helpdesk.create_ticket("Echo chamber", "x", tags=["escalate"])
    sb.wait("hand-off", lambda: sb.helpdesk.ticket(ticket).status == TicketStatus.ON_HOLD)
    sb.settle()
    (issue,) = [i.ref for i in sb.tracker.issues(PROJECT)]
    turns = 0
    for round_ in range(2):
        # the same status twice within one second cannot be told apart by the vendors'
        # second-resolution timestamps (the status action's key embeds them): rounds apart
        time.sleep(1.1 if round_ else 0)
        steps = [
            ("github", "zendesk", lambda r=round_: sb.tracker.comment(issue, f"dev turn {r}")),
            (
                "zendesk",
                "github",
                lambda r=round_: sb.helpdesk.comment(ticket, f"/dev agent turn {r}", public=False),
            ),
            ("github", "zendesk", lambda: sb.tracker.set_status(issue, IssueStatus.WONT_DO)),
            ("github", "zendesk", lambda: sb.tracker.set_status(issue, IssueStatus.TODO)),
        ]
        for source, target, act in steps:
            before_target, before_source = _writes(sb, target), _writes(sb, source)
            act()
            sb.wait(
                f"round {round_}: a {source} change written to {target}",
                lambda t=target, b=before_target: _writes(sb, t) > b,
            )
            sb.settle()
            assert _writes(sb, target) - before_target == 1, (round_, source)
            assert _writes(sb, source) == before_source, (round_, source)  # nothing bounced back
            turns += 1
    quiet = {k: _writes(sb, k) for k in sb.sides}
    audit = len(sb.service.store.audit_since(0, 100_000))
    sb.settle()
    time.sleep(1.5)  # polls and late deliveries: nothing may come back as a change
    sb.settle()
    assert {k: _writes(sb, k) for k in sb.sides} == quiet
    assert len(sb.service.store.audit_since(0, 100_000)) == audit
    assert sb.helpdesk.ticket(ticket).status == TicketStatus.ON_HOLD
    print(f"\nechoes: {turns} turns, one write each, none bounced back")
