"""A Jira Service Management request escalated to a developer issue on GitHub, whose route
follows JSM's own "Time to resolution": the customer's promise runs out long before the dev
team's two days, so the SLA check, under a frozen clock, labels the issue at risk and then
breached and tells the agent in internal notes naming the JSM SLA, while the customer reads
nothing of it; the dashboard shows the JSM SLA next to the dev clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from syncd.model import Ref
from syncd.testing.sandbox import Sandbox
from tests.e2e.workflow_helpers import StartSandbox

from .workflow_helpers import audit, gh_key, issue_of, link_of, notes

H = timedelta(hours=1)
ROUTES = [
    {
        "name": "widgets",
        "match": {"tags": ["escalate"]},
        "target": {"connector": "github", "project": "acme/widgets"},
        "sla": {
            "default": {"acknowledge": "4h", "resolve": "2d"},
            "helpdesk_sla": ["Time to resolution"],
        },
    }
]


@pytest.fixture
def sb(start_sandbox: StartSandbox) -> Sandbox:
    return start_sandbox(
        helpdesk_kind="jsm",
        tracker_kind="github",
        project="acme/widgets",
        routes=ROUTES,
        webhooks=True,
        poll_interval=3600.0,
        extra={"workflow": {"sla_interval": 3600.0}},  # only the test's checks run
    )


def _assignee(sb: Sandbox, issue: Ref) -> Any:
    assert sb.service is not None
    with sb.service.store.peek() as tx:
        return (sb.service.store.shadow(tx, str(issue)).observed or {}).get("assignee")


def _customer_sees(sb: Sandbox, ticket: Ref) -> list[str]:
    desk = sb.helpdesk.desk
    request = desk.request(ticket.key)
    shown = [desk.render_comment(request, c) for c in request.comments]
    return [c["body"] for c in shown if c["public"]]


def test_jsm_time_to_resolution_warns_the_developers_first(sb: Sandbox) -> None:
    hd, tr, service = sb.helpdesk, sb.tracker, sb.service
    assert service is not None
    ticket = hd.create_ticket("Payroll export fails", "Every run.", tags=["escalate"])
    issue = sb.wait("issue", lambda: issue_of(sb, ticket))
    sb.settle()
    link = link_of(sb, ticket)
    assert link is not None
    start = link.created_at.replace(microsecond=0)
    # the customer was promised a resolution in 8 hours; it keeps running while escalated
    hd.desk.set_sla(
        ticket.key, "Time to resolution", goal=8 * H, breach_at=start + 8 * H, paused=False
    )
    # a developer picks it up at once: the dev team's time to acknowledge is met
    repo, number = gh_key(issue)
    tr.emulator.edit_issue_as(tr.login, repo, number, assignees=[tr.login])
    sb.wait("assignee seen", lambda: _assignee(sb, issue) == tr.login)
    frozen = {"now": start + H}
    service.clock = lambda: frozen["now"]
    assert service.check_sla() == 0

    frozen["now"] = start + 6 * H + 45 * timedelta(minutes=1)  # 84% of the customer's 8 h
    assert service.check_sla() == 1
    sb.wait("at-risk label", lambda: "sla:at-risk" in tr.issue(issue).labels)
    sb.wait("at-risk note", lambda: notes(sb, ticket, "Time to resolution", public=False))
    (risk,) = audit(sb, "sla_at_risk")
    assert risk.detail["kind"] == "helpdesk" and risk.detail["helpdesk_sla"] == "Time to resolution"
    assert datetime.fromisoformat(risk.detail["deadline"]) == start + 8 * H
    (note,) = notes(sb, ticket, "SLA at risk", public=False)
    assert "the customer's SLA Time to resolution (8h) runs out at" in note.body
    assert service.check_sla() == 0  # raised once only

    page = httpx.get(f"{sb.url}/api/dashboard/links/{link.id}", timeout=10).json()
    (shown,) = page["helpdesk_sla"]
    assert (shown["name"], shown["state"], shown["goal_hours"]) == (
        "Time to resolution",
        "running",
        8,
    )
    assert [(d["kind"], d["name"], d["state"]) for d in page["sla"]] == [
        ("helpdesk", "Time to resolution", "at_risk")
    ]

    frozen["now"] = start + 8 * H + timedelta(minutes=1)
    assert service.check_sla() == 1
    sb.wait(
        "breached label replaces at-risk",
        lambda: (
            "sla:breached" in (labels := tr.issue(issue).labels) and "sla:at-risk" not in labels
        ),
    )
    sb.wait("breach note", lambda: notes(sb, ticket, "SLA breached", public=False))
    (breach,) = audit(sb, "sla_breached")
    assert breach.detail["kind"] == "helpdesk" and breach.detail["ticket"] == str(ticket)
    sb.settle()
    assert not any("SLA" in body for body in _customer_sees(sb, ticket))
