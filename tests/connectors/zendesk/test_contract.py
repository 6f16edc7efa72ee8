"""The shared helpdesk contract, plus Zendesk's failure modes, against the emulator."""

from __future__ import annotations

import json

import pytest

from syncd.errors import PermanentError, RateLimited
from syncd.model import ChangeKind, Priority
from tests.connectors.contract import HelpdeskContract
from tests.connectors.helpdesks import HelpdeskFaults

from .conftest import ZendeskHarness


class TestZendeskContract(HelpdeskContract):
    """Everything a helpdesk connector promises."""


class TestZendeskFaults(HelpdeskFaults):
    """The failures Zendesk's emulator stages as Freshdesk's does."""

    check_path = r"/users/me"
    ticket_path = r"/tickets/\d+\.json"
    update_method = "PUT"


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
