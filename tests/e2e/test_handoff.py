"""The hand-off completes, through the daemon, on SQLite and PostgreSQL: a developer writes to
the customer through the ticket (a public reply, signed, redacted), the first such reply is
the link's first developer contact (once), the dashboard shows the time to it, and the agent's
reminder comes only while no developer has written."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from syncd.engine import contact_job
from syncd.testing.sandbox import Sandbox
from tests.e2e.test_escalation_path import escalate, notes
from tests.e2e.workflow_helpers import StartSandbox, audit

ROUTES = [
    {
        "name": "widgets",
        "match": {"tags": ["escalate"]},
        "target": {"connector": "github", "project": "acme/widgets"},
        "handoff": {"remind_after": "4h"},
    }
]


@pytest.fixture
def sb(hooked_on_store: StartSandbox) -> Sandbox:
    return hooked_on_store(routes=ROUTES)


def test_developer_writes_to_the_customer_through_the_ticket(sb: Sandbox) -> None:
    tr = sb.tracker
    assert sb.service is not None
    ticket, issue = escalate(sb, ["escalate"])

    # before any developer contact, the reminder is due once the route's time has passed
    later = sb.service.clock() + timedelta(hours=5)
    assert contact_job.remind(sb.service.store, sb.service.rules, later) == 1
    sb.wait("reminder", lambda: notes(sb, ticket, public=False, text="No developer has written"))

    tr.comment(issue, "An internal remark for the agent only.")
    tr.comment(issue, "/customer We found the cause; write to dev-alice@example.com for logs.")
    reply = sb.wait(
        "public reply", lambda: notes(sb, ticket, public=True, text="We found the cause")
    )
    body = reply[0].body
    assert "(engineering)" in body and "/customer" not in body
    assert "dev-alice@example.com" not in body and "[redacted" in body
    assert not notes(sb, ticket, public=True, text="internal remark")
    assert notes(sb, ticket, public=False, text="internal remark")

    tr.comment(issue, "/customer The fix is released.")
    sb.wait("second reply", lambda: notes(sb, ticket, public=True, text="fix is released"))
    sb.settle()
    (first,) = audit(sb, "first_developer_contact")
    assert first.detail["route"] == "widgets" and first.detail["seconds"] >= 0
    # no second reminder, now or later
    assert contact_job.remind(sb.service.store, sb.service.rules, later + timedelta(days=2)) == 0

    overview = httpx.get(f"{sb.url}/api/dashboard/overview").json()
    contact = overview["first_contact"]
    assert contact["overall"]["count"] == 1
    assert [d["key"] for d in contact["by_route"]] == ["widgets"]
