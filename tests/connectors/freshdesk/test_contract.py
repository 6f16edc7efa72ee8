"""The shared helpdesk contract, plus Freshdesk's failure modes, against the emulator."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from connectors.freshdesk import factory
from connectors.freshdesk.emulator.limits import FreshdeskLimits
from syncd.errors import ConfigError, NotFound, PermanentError, RateLimited, TransientError
from syncd.model import ChangeKind, Priority, TicketStatus
from tests.connectors.contract import HelpdeskContract

from .conftest import INSTANCE, FreshdeskHarness, settings_for


class TestFreshdeskContract(HelpdeskContract):
    """Everything a helpdesk connector promises."""


def test_429_carries_retry_after(harness: FreshdeskHarness) -> None:
    harness.emu.control.faults.add("rate_limit", path=r"/agents/me", seconds=7)
    with pytest.raises(RateLimited) as err:
        harness.connector.check()
    assert err.value.retry_after == 7


def test_the_plans_credits_run_out_and_say_when(harness: FreshdeskHarness) -> None:
    emu = harness.emu
    emu.set_limits(FreshdeskLimits(requests_per_minute=12))
    try:
        conn = harness.connector
        conn.check()
        budget = conn.rate_budget()
        assert budget.limit == 12 and budget.remaining == 11
        assert conn.client.last_cost == 1
        # nothing changed after an hour from now: the poll is one list with two includes
        cursor = conn.cursor_since(datetime.now(UTC) + timedelta(hours=1))
        conn.poll(cursor)
        assert conn.client.last_cost == 5 and conn.rate_budget().remaining == 6
        with pytest.raises(RateLimited) as err:
            for _ in range(3):
                conn.poll(cursor)
        assert 0 < err.value.retry_after <= 60
        assert emu.control.refused["requests"] >= 1
    finally:
        emu.set_limits(FreshdeskLimits(requests_per_minute=100_000))


def test_server_error_is_transient(harness: FreshdeskHarness) -> None:
    ref = harness.human_create("flaky")
    harness.emu.control.faults.add("status", status=503, path=r"/tickets/\d+$")
    with pytest.raises(TransientError) as err:
        harness.connector.get_ticket(ref)
    assert err.value.status == 503
    assert harness.connector.get_ticket(ref).ref == ref


def test_timeout_and_reset_are_transient(harness: FreshdeskHarness) -> None:
    ref = harness.human_create("slow")
    harness.emu.control.faults.add("latency", path=r"/tickets/\d+$", seconds=1.5)
    with pytest.raises(TransientError):
        harness.connector.get_ticket(ref)
    harness.emu.control.faults.add("reset", path=r"/agents/me")
    with pytest.raises(TransientError):
        harness.connector.check()


def test_lost_note_is_found_by_its_key(harness: FreshdeskHarness) -> None:
    """The note lands but its answer is lost: the retry finds it instead of doubling it."""
    ref = harness.human_create("lost answer")
    key = f"k-{uuid.uuid4().hex}"
    harness.emu.delay_answer("POST", seconds=1.5)
    with pytest.raises(TransientError):
        harness.connector.update_ticket(
            ref, status=TicketStatus.PENDING, comment="filed as JIRA-1", key=key
        )
    found = harness.connector.find_comment(ref, key)
    assert found is not None and found.marker == key and found.by_syncd and not found.public
    assert "JIRA-1" in found.body
    assert len([c for c in harness.connector.comments(ref) if c.marker == key]) == 1


def test_a_value_freshdesk_refuses_is_permanent_and_named(harness: FreshdeskHarness) -> None:
    ref = harness.human_create("bad field")
    with pytest.raises(PermanentError) as err:
        harness.connector.client.request("PUT", f"/api/v2/tickets/{ref.key}", json={"status": 9})
    assert err.value.status == 400
    assert "Validation failed" in str(err.value) and "status" in str(err.value)
    with pytest.raises(ConfigError):
        harness.connector.update_ticket(ref, fields={"unknown": "1"})


def test_edit_and_delete_are_refused(harness: FreshdeskHarness) -> None:
    ref = harness.human_create("no edits")
    made = harness.connector.add_comment(ref, "v1", public=False, key="k-edit")
    with pytest.raises(PermanentError):
        harness.connector.edit_comment(made.ref, ref, "v2")
    with pytest.raises(PermanentError):
        harness.connector.delete_comment(made.ref, ref)


def test_ticket_names_group_company_fields_and_tags(harness: FreshdeskHarness) -> None:
    emu = harness.emu
    tid = emu.create_ticket(
        "names",
        "who asked",
        tags=["VIP", "billing"],
        group_id=5000000102,
        priority=4,
        custom_fields={"cf_dev_issue": "JIRA-7"},
    )
    ticket = harness.connector.get_ticket(harness.ref(tid))
    assert ticket.requester == "Carol Customer" and ticket.description == "who asked"
    assert ticket.group == "Escalations" and ticket.organization == "Acme Corp"
    assert ticket.priority == Priority.URGENT and ticket.tags == frozenset({"VIP", "billing"})
    assert ticket.fields == {"dev_issue": "JIRA-7"}
    assert ticket.url == f"{harness.url}/a/tickets/{tid}"


def test_tags_change_one_by_one_and_custom_fields_merge(harness: FreshdeskHarness) -> None:
    tid = harness.emu.create_ticket("fields", tags=["a", "b"])
    after = harness.connector.update_ticket(
        harness.ref(tid), remove_tags=["a"], add_tags=["c"], fields={"impact": "3"}
    )
    assert after.tags == frozenset({"b", "c"}) and after.fields == {"impact": "3"}
    assert harness.emu.ticket(tid)["custom_fields"]["cf_impact"] == "3"


def test_statuses_custom_ones_and_on_hold(harness: FreshdeskHarness) -> None:
    ref = harness.human_create("statuses")
    conn = harness.connector
    for status, number in [
        (TicketStatus.ON_HOLD, 7),
        (TicketStatus.PENDING, 3),
        (TicketStatus.SOLVED, 4),
        (TicketStatus.CLOSED, 5),
        (TicketStatus.OPEN, 2),
    ]:
        assert conn.update_ticket(ref, status=status).status == status
        assert harness.emu.ticket(int(ref.key))["status"] == number
    harness.emu.update(int(ref.key), status=6)  # Waiting on Customer
    assert conn.get_ticket(ref).status == TicketStatus.PENDING


def test_poll_returns_conversations_with_author_and_visibility(harness: FreshdeskHarness) -> None:
    conn = harness.connector
    ref = harness.human_create("poll comments")
    harness.human_comment(ref, "internal finding", public=False)
    conn.add_comment(ref, "we are on it", public=True, key="k-poll")
    created = harness.emu.state.tickets[int(ref.key)].created_at
    page = conn.poll(conn.cursor_since(datetime.fromtimestamp(created, UTC)))
    comments = [c.comment for c in page.changes if c.kind == ChangeKind.COMMENT and c.ref == ref]
    bodies = {c.body: c for c in comments if c is not None}
    internal, reply = bodies["internal finding"], bodies["we are on it"]
    assert not internal.public and internal.author == "Alice Agent" and not internal.by_syncd
    assert reply.public and reply.by_syncd and reply.marker == "k-poll"
    assert all(c.source == "poll" for c in page.changes)


def test_missing_ticket_on_update(harness: FreshdeskHarness) -> None:
    with pytest.raises(NotFound):
        harness.connector.update_ticket(harness.missing(), status=TicketStatus.OPEN)
    with pytest.raises(NotFound):
        harness.connector.add_comment(harness.missing(), "x", public=False, key="k")


def test_an_update_names_the_requester_it_does_not_embed(harness: FreshdeskHarness) -> None:
    ref = harness.human_create("who asked")
    fresh = factory(INSTANCE, settings_for(harness.url), None)  # knows no name yet
    try:
        after = fresh.update_ticket(ref, priority=Priority.HIGH)
    finally:
        fresh.close()
    assert after.requester == "Carol Customer" and after.priority == Priority.HIGH
