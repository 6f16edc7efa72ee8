"""The shared helpdesk contract, plus Zendesk's failure modes, against the emulator."""

from __future__ import annotations

import json
import uuid

import pytest

from syncd.errors import NotFound, PermanentError, RateLimited, TransientError
from syncd.model import ChangeKind, Priority, TicketStatus
from tests.connectors.contract import HelpdeskContract

from .conftest import ZendeskHarness


class TestZendeskContract(HelpdeskContract):
    """Everything a helpdesk connector promises."""


def test_429_carries_retry_after(harness: ZendeskHarness) -> None:
    harness.emu.control.faults.add("rate_limit", path=r"/users/me", seconds=7)
    with pytest.raises(RateLimited) as err:
        harness.connector.check()
    assert err.value.retry_after == 7


def test_incremental_budget_of_ten_a_minute(harness: ZendeskHarness) -> None:
    old = harness.emu.incremental
    harness.emu.incremental = type(old)(limit=2, window=60.0)
    try:
        conn = harness.connector
        cursor = conn.poll(None).cursor
        conn.poll(cursor)  # two calls: tickets and events
        with pytest.raises(RateLimited) as err:
            conn.poll(cursor)
        assert 0 < err.value.retry_after <= 60
    finally:
        harness.emu.incremental = old


def test_server_error_is_transient(harness: ZendeskHarness) -> None:
    ref = harness.human_create("flaky")
    harness.emu.control.faults.add("status", status=503, path=r"/tickets/\d+\.json")
    with pytest.raises(TransientError) as err:
        harness.connector.get_ticket(ref)
    assert err.value.status == 503
    assert harness.connector.get_ticket(ref).ref == ref


def test_timeout_is_transient(harness: ZendeskHarness) -> None:
    ref = harness.human_create("slow")
    harness.emu.control.faults.add("latency", path=r"/tickets/\d+\.json", seconds=1.5)
    with pytest.raises(TransientError):
        harness.connector.get_ticket(ref)


def test_reset_is_transient(harness: ZendeskHarness) -> None:
    harness.emu.control.faults.add("reset", path=r"/users/me")
    with pytest.raises(TransientError):
        harness.connector.check()


def test_lost_update_is_found_by_its_key(harness: ZendeskHarness) -> None:
    """The PUT lands but its answer is lost: the retry finds the note instead of doubling it."""
    ref = harness.human_create("lost answer")
    key = f"k-{uuid.uuid4().hex}"
    # the update reaches Zendesk; the answer is held past the client's timeout
    harness.emu.delay_answer("PUT", seconds=1.5)
    with pytest.raises(TransientError):
        harness.connector.update_ticket(
            ref, status=TicketStatus.PENDING, comment="filed as JIRA-1", key=key
        )
    found = harness.connector.find_comment(ref, key)
    assert found is not None and found.marker == key and found.by_syncd
    assert "JIRA-1" in found.body
    notes = [c for c in harness.connector.comments(ref) if c.marker == key]
    assert len(notes) == 1


def test_unknown_status_and_closed_ticket_are_permanent(harness: ZendeskHarness) -> None:
    ref = harness.human_create("to close")
    harness.emu.set_status(int(ref.key), "closed")
    with pytest.raises(PermanentError) as err:
        harness.connector.update_ticket(ref, priority=Priority.LOW)
    assert err.value.status == 422 and "closed prevents ticket update" in str(err.value)


def test_edit_and_delete_are_refused(harness: ZendeskHarness) -> None:
    ref = harness.human_create("no edits")
    made = harness.connector.add_comment(ref, "v1", public=False, key="k-edit")
    with pytest.raises(PermanentError):
        harness.connector.edit_comment(made.ref, ref, "v2")
    with pytest.raises(PermanentError):
        harness.connector.delete_comment(made.ref, ref)


def test_ticket_names_fields_and_tags(harness: ZendeskHarness) -> None:
    emu = harness.emu
    tid = emu.create_ticket(
        "names",
        "who asked",
        tags=["VIP", "billing"],
        group_id=360002,
        organization_id=370001,
        priority="urgent",
        custom_fields={27642: "JIRA-7"},
    )
    ticket = harness.connector.get_ticket(harness.missing().model_copy(update={"key": str(tid)}))
    assert ticket.requester == "Carol Customer"
    assert ticket.group == "Escalations" and ticket.organization == "Acme Corp"
    assert ticket.priority == Priority.URGENT and ticket.tags == frozenset({"vip", "billing"})
    assert ticket.fields == {"jira_key": "JIRA-7"}
    assert ticket.url == f"{harness.url}/agent/tickets/{tid}"


def test_update_custom_fields_and_remove_tags(harness: ZendeskHarness) -> None:
    tid = harness.emu.create_ticket("fields", tags=["a", "b"])
    ref = harness.missing().model_copy(update={"key": str(tid)})
    after = harness.connector.update_ticket(
        ref, remove_tags=["a"], add_tags=["c"], fields={"impact": "3"}
    )
    assert after.tags == frozenset({"b", "c"}) and after.fields == {"impact": "3"}
    assert harness.emu.ticket(tid)["custom_fields"] == [{"id": 27648, "value": "3"}]


def test_poll_returns_comments_with_author_and_visibility(harness: ZendeskHarness) -> None:
    conn = harness.connector
    ref = harness.human_create("poll comments")
    cursor = conn.poll(None).cursor
    # back up a little: the ticket was created in this same second
    state = json.loads(cursor or "{}")
    state["events"]["start"] -= 2
    state["tickets"]["start"] -= 2
    harness.human_comment(ref, "internal finding", public=False)
    conn.add_comment(ref, "we are on it", public=True, key="k-poll")
    page = conn.poll(json.dumps(state))
    comments = [c.comment for c in page.changes if c.kind == ChangeKind.COMMENT and c.ref == ref]
    bodies = {c.body: c for c in comments if c is not None}
    assert (
        not bodies["internal finding"].public and bodies["internal finding"].author == "Alice Agent"
    )
    assert bodies["we are on it"].public and bodies["we are on it"].by_syncd
    assert all(c.source == "poll" for c in page.changes)
    # the boundary second is not read twice
    again = conn.poll(page.cursor)
    assert not [c for c in again.changes if c.kind == ChangeKind.COMMENT and c.ref == ref]


def test_missing_ticket_on_update(harness: ZendeskHarness) -> None:
    with pytest.raises(NotFound):
        harness.connector.update_ticket(harness.missing(), status=TicketStatus.OPEN)
