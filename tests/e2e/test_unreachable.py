"""An issue that is gone for good redirects its ticket; a failing API never does."""

from __future__ import annotations

import json
import time

import httpx

from syncd.model import Ref, TicketStatus
from syncd.testing.sandbox import Sandbox
from tests.e2e.test_escalation_path import escalate, notes


def _link_state(sb: Sandbox, ticket: Ref) -> str:
    assert sb.service is not None
    with sb.service.store.tx() as tx:
        link = sb.service.store.link_for_ticket(tx, str(ticket))
    assert link is not None
    return link.state


def _handed_off(sb: Sandbox, ticket: Ref) -> None:
    sb.wait("hand-off done", lambda: sb.helpdesk.ticket(ticket).status == TicketStatus.ON_HOLD)
    sb.settle()


def test_deleted_issue_redirects_after_two_reads(hooked: Sandbox) -> None:
    sb = hooked
    ticket, issue = escalate(sb, ["escalate"])
    _handed_off(sb, ticket)
    url = sb.tracker.issue(issue).url
    sb.tracker.delete(issue)
    sb.wait(
        "ticket closed with redirect",
        lambda: (
            sb.helpdesk.ticket(ticket).status == TicketStatus.SOLVED
            and notes(sb, ticket, public=True, text=url)
        ),
    )
    sb.wait("link redirected", lambda: _link_state(sb, ticket) == "redirected")
    assert notes(sb, ticket, public=False, text="redirect")
    assert sb.service is not None
    events = [r.event for r in sb.service.store.audit_since(0, 1000)]
    assert events.count("issue_unreachable") == 2


def test_archived_repository_redirects(hooked: Sandbox) -> None:
    sb = hooked
    ticket, _issue = escalate(sb, ["escalate"])
    _handed_off(sb, ticket)
    sb.tracker.emulator.archive("acme/widgets")
    sb.helpdesk.comment(ticket, "/dev any news?", public=False)
    sb.wait("ticket redirected", lambda: _link_state(sb, ticket) == "redirected", timeout=30)
    assert sb.helpdesk.ticket(ticket).status == TicketStatus.SOLVED
    assert sb.service is not None
    dead = sb.service.store.depth()["dead"]
    assert dead == 1  # the refused comment, kept for `syncd replay`


def _deleted_delivery(sb: Sandbox) -> tuple[dict[str, str], bytes]:
    """A signed `issues.deleted` delivery for the last issue, as GitHub would send it."""
    emu = sb.tracker.emulator
    emu.control.webhooks.flush()
    _, headers, body = next(d for d in reversed(emu.control.webhooks.captured) if d[0] == "issues")
    payload = json.loads(body)
    payload["action"] = "deleted"
    raw = json.dumps(payload).encode()
    fresh = {**headers, "X-GitHub-Delivery": "deleted-but-not-really", **emu._sign(raw)}
    return fresh, raw


def test_failing_api_is_not_absence(hooked: Sandbox) -> None:
    sb = hooked
    ticket, _issue = escalate(sb, ["escalate"])
    _handed_off(sb, ticket)
    emu = sb.tracker.emulator
    for status in (503, 500, 401, 403):
        emu.control.faults.clear()
        emu.control.faults.add("status", status=status, path=r"^/repos/", times=None)
        headers, body = _deleted_delivery(sb)
        headers["X-GitHub-Delivery"] = f"fake-delete-{status}"
        r = httpx.post(f"{sb.url}/webhooks/github", content=body, headers=headers)
        assert r.status_code == 202
        time.sleep(1.5)  # several retries and rechecks happen meanwhile
        assert _link_state(sb, ticket) == "active", status
        assert sb.helpdesk.ticket(ticket).status == TicketStatus.ON_HOLD
    emu.control.faults.clear()
    sb.settle(timeout=30)
    assert _link_state(sb, ticket) == "active"
    assert not notes(sb, ticket, public=True, text="follow the work")
