"""The SLA check reads the helpdesk's own SLA with the JSM connector from the emulated Jira
Service Management: recorded on the clock, judged against the dev team's deadline, a read
that fails logged and tried again at the next check."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from syncd.engine import sla_job
from syncd.model import Ref
from syncd.store.repository import LinkRow
from syncd.testing.sandbox import Sandbox
from tests.e2e.workflow_helpers import audit, issue_of, link_of

SLA_PATH = r"/rest/servicedeskapi/request/.*/sla"
ROUTES = [
    {
        "name": "widgets",
        "match": {"tags": ["escalate"]},
        "target": {"connector": "github", "project": "acme/widgets"},
        "sla": {
            "default": {"resolve": "2d"},  # the dev team's own: two days to resolve
            "helpdesk_sla": ["Time to resolution"],
        },
    }
]


@pytest.fixture
def sb(tmp_path: Path) -> Iterator[Sandbox]:
    with Sandbox(
        folder=tmp_path,
        helpdesk_kind="jsm",
        tracker_kind="github",
        project="acme/widgets",
        routes=ROUTES,
        webhooks=True,
        poll_interval=3600.0,
        extra={"workflow": {"sla_interval": 3600.0}},  # only this test's checks run
    ) as box:
        yield box


def _escalated(sb: Sandbox) -> tuple[Ref, Ref, LinkRow]:
    ticket = sb.helpdesk.create_ticket("Login fails", "Since today.", tags=["escalate"])
    issue = sb.wait("issue", lambda: issue_of(sb, ticket))
    sb.settle()
    link = link_of(sb, ticket)
    assert link is not None
    return ticket, issue, link


def _check(sb: Sandbox, at: Any) -> int:
    s = sb.service
    assert s is not None
    return sla_job.check(s.store, s.rules, at, s.connectors, s.budgets)


def _clock(sb: Sandbox, link: LinkRow) -> dict[str, Any]:
    assert sb.service is not None
    with sb.service.store.peek() as tx:
        return sb.service.store.sla_clock(tx, link.id) or {}


def test_the_check_reads_the_requests_sla_and_warns_before_it_breaks(sb: Sandbox) -> None:
    ticket, issue, link = _escalated(sb)
    start = link.created_at.replace(microsecond=0)
    # the request waits in "Pending" while the developers work, where the stock JSM SLA
    # pauses; this site's time to resolution runs on: the customer still waits
    sb.helpdesk.desk.set_sla(
        ticket.key,
        "Time to resolution",
        goal=timedelta(hours=4),
        breach_at=start + timedelta(hours=4),
        paused=False,
    )
    # an hour in: read and recorded, nothing to say
    assert _check(sb, start + timedelta(hours=1)) == 0
    (held,) = _clock(sb, link)["helpdesk"][str(ticket)]
    assert held["name"] == "Time to resolution" and held["goal_seconds"] == 4 * 3600
    assert held["breach_at"] == (start + timedelta(hours=4)).isoformat()
    # 3.5 of the customer's 4 hours, long before the dev team's 2 days: at risk
    assert _check(sb, start + timedelta(hours=3, minutes=30)) == 1
    (risk,) = audit(sb, "sla_at_risk")
    assert risk.detail["kind"] == "helpdesk" and risk.detail["helpdesk_sla"] == "Time to resolution"
    assert risk.detail["ticket"] == str(ticket) and risk.detail["route"] == "widgets"
    assert _clock(sb, link)["fired"] == {"helpdesk:time-to-resolution": "at_risk"}
    assert str(issue) == risk.issue_ref


def test_a_failed_read_never_breaks_the_check_and_is_tried_again(sb: Sandbox) -> None:
    ticket, _, link = _escalated(sb)
    start = link.created_at.replace(microsecond=0)
    emu = sb.sides["jsm"].emulator
    due = start + timedelta(hours=6)
    hours6 = timedelta(hours=6)
    sb.helpdesk.desk.set_sla(
        ticket.key, "Time to resolution", goal=hours6, breach_at=due, paused=False
    )
    assert _check(sb, start + timedelta(hours=1)) == 0
    before = _clock(sb, link)["helpdesk"]
    # the agent pauses it meanwhile, but the helpdesk fails the read: logged, goals kept
    sb.helpdesk.desk.set_sla(ticket.key, "Time to resolution", paused=True)
    emu.control.faults.add("status", status=503, path=SLA_PATH, times=None)
    with capture_logs() as logs:
        assert _check(sb, start + timedelta(hours=2)) == 0
    assert [e["ticket"] for e in logs if e["event"] == "sla.helpdesk_read_failed"] == [str(ticket)]
    assert _clock(sb, link)["helpdesk"] == before
    emu.control.faults.clear()
    # the next check reads it again: paused now, so no warning even past its old breach
    assert _check(sb, start + timedelta(hours=7)) == 0
    (held,) = _clock(sb, link)["helpdesk"][str(ticket)]
    assert held["paused"] and held["breach_at"] is None and held["remaining_seconds"]
    assert not audit(sb, "sla_at_risk") and not audit(sb, "sla_breached")
