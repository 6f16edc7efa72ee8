"""Fan-out through the emulators: an issue that thirty tickets follow is closed as done, and
every ticket is solved and its customer told in one batch write to Zendesk per hundred
tickets (the status and the message in one update), plus the looks at their jobs, counted by
the emulator."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

from syncd.model import IssueStatus, Ref, TicketStatus
from syncd.testing.sandbox import Sandbox

from .workflow_helpers import issue_of, notes, sandbox

TICKETS = 30
DEV_ISSUE = 360001
ROUTES: list[dict[str, Any]] = [
    {
        "name": "widgets",
        "match": {"tags": ["escalate"]},
        "target": {"connector": "github", "project": "acme/widgets"},
    }
]
EXTRA = {"linking": {"field": "dev_issue", "route": "widgets"}}
# the linking field comes with polls (Zendesk's webhooks do not carry custom fields)
OVERRIDES = {"zendesk": {"custom_fields": {"dev_issue": DEV_ISSUE}}}


def fan_out(sb: Sandbox, count: int) -> tuple[list[Ref], Ref]:
    """One escalated ticket and ``count - 1`` more that join its issue by the field."""
    emu = sb.helpdesk.emulator
    first = Ref.ticket("zendesk", emu.create_ticket("Export fails", tags=["escalate"]))
    issue = sb.wait("issue", lambda: issue_of(sb, first))
    url = sb.tracker.issue(issue).url
    joined = [
        Ref.ticket(
            "zendesk", emu.create_ticket(f"Export fails ({n})", custom_fields={DEV_ISSUE: url})
        )
        for n in range(count - 1)
    ]
    tickets = [first, *joined]
    sb.wait(
        "every ticket follows the issue",
        lambda: all(issue_of(sb, t) == issue for t in tickets),
        timeout=120,
    )
    sb.settle(timeout=120)
    return tickets, issue


def solved_and_told(sb: Sandbox, tickets: list[Ref]) -> bool:
    hd = sb.helpdesk
    return all(
        hd.ticket(t).status == TicketStatus.SOLVED
        and len(notes(sb, t, "has been fixed", public=True)) == 1
        for t in tickets
    )


def test_closing_an_issue_followed_by_30_tickets_takes_one_write(tmp_path: Path) -> None:
    with sandbox(tmp_path, ROUTES, poll=0.5, extra=EXTRA, overrides=OVERRIDES) as sb:
        tickets, issue = fan_out(sb, TICKETS)
        control = sb.helpdesk.emulator.control
        before = Counter(control.requests)
        sb.tracker.set_status(issue, IssueStatus.DONE)
        sb.wait("every ticket solved and told", lambda: solved_and_told(sb, tickets), timeout=120)
        sb.settle(timeout=120)
        made = Counter(control.requests)
        made.subtract(before)
        writes = sum(n for k, n in made.items() if k.split()[0] in ("PUT", "POST"))
        looks = sum(n for k, n in made.items() if k.startswith("GET /api/v2/job_statuses/"))
        print(f"\n{TICKETS} tickets told in {writes} writes and {looks} looks at their jobs")
        assert writes == math.ceil(TICKETS / 100)
        assert made["PUT /api/v2/tickets/update_many.json"] == writes
        assert writes + looks < TICKETS  # fewer requests than tickets
        for t in tickets:  # the message is the ticket's one new comment
            assert notes(sb, t, "closed", public=False) == []
        assert sb.settle()["dead"] == 0


def test_a_route_that_asks_for_the_internal_note_writes_it_once_too(tmp_path: Path) -> None:
    routes = [{**ROUTES[0], "resolved_note": True}]
    with sandbox(tmp_path, routes, poll=0.5, extra=EXTRA, overrides=OVERRIDES) as sb:
        tickets, issue = fan_out(sb, 5)
        control = sb.helpdesk.emulator.control
        before = Counter(control.requests)
        sb.tracker.set_status(issue, IssueStatus.DONE)
        sb.wait("every ticket solved and told", lambda: solved_and_told(sb, tickets), timeout=120)
        sb.settle(timeout=120)
        made = Counter(control.requests)
        made.subtract(before)
        assert made["PUT /api/v2/tickets/update_many.json"] == 2  # the note, then the message
        for t in tickets:
            assert len(notes(sb, t, "closed", public=False)) == 1
