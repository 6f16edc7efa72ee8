"""The shared helpdesk contract, plus Freshdesk's failure modes, against the emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.freshdesk import factory
from connectors.freshdesk.emulator.limits import FreshdeskLimits
from syncd.errors import ConfigError, NotFound, PermanentError, RateLimited
from syncd.model import ChangeKind, Priority, TicketStatus
from tests.connectors.contract import HelpdeskContract
from tests.connectors.helpdesks import HelpdeskFaults

from .conftest import INSTANCE, FreshdeskHarness, settings_for


class TestFreshdeskContract(HelpdeskContract):
    """Everything a helpdesk connector promises."""


class TestFreshdeskFaults(HelpdeskFaults):
    """The failures Freshdesk's emulator stages as Zendesk's does."""

    check_path = r"/agents/me"
    ticket_path = r"/tickets/\d+$"
    update_method = "POST"


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


def test_a_value_freshdesk_refuses_is_permanent_and_named(harness: FreshdeskHarness) -> None:
    ref = harness.human_create("bad field")
    with pytest.raises(PermanentError) as err:
        harness.connector.client.request("PUT", f"/api/v2/tickets/{ref.key}", json={"status": 9})
    assert err.value.status == 400
    assert "Validation failed" in str(err.value) and "status" in str(err.value)
    with pytest.raises(ConfigError):
        harness.connector.update_ticket(ref, fields={"unknown": "1"})


def test_an_edited_note_keeps_its_key_and_says_who_edited(harness: FreshdeskHarness) -> None:
    conn = harness.connector
    ref = harness.human_create("edit a note")
    made = conn.add_comment(ref, "v1", public=False, key="k-edit")
    edited = conn.edit_comment(made.ref, ref, "v2 <b>bold</b>\nsecond line")
    assert edited.ref == made.ref and edited.marker == "k-edit" and edited.by_syncd
    assert edited.body == "v2 <b>bold</b>\nsecond line" and not edited.public
    raw = harness.emu.conversations(int(ref.key))[0]
    assert raw["last_edited_user_id"] == harness.emu.bot.id and raw["last_edited_at"]
    assert raw["updated_at"] >= raw["created_at"]
    assert conn.find_comment(ref, "k-edit") == edited
    # an agent's note is edited as well (Freshdesk asks no authorship of the API)
    theirs = harness.human_comment(ref, "agent note", public=False)
    assert conn.edit_comment(theirs, ref, "agent note, amended").marker is None


def test_a_reply_is_not_edited_but_deleted(harness: FreshdeskHarness) -> None:
    """Freshdesk edits only notes: a reply, already e-mailed, answers 405 (DELETE only)."""
    conn = harness.connector
    ref = harness.human_create("edit a reply")
    reply = conn.add_comment(ref, "we are on it", public=True, key="k-reply")
    with pytest.raises(PermanentError) as err:
        conn.edit_comment(reply.ref, ref, "we were on it")
    assert err.value.status == 405 and not isinstance(err.value, NotFound)
    assert "reply" in str(err.value) and "method_not_allowed" in str(err.value)
    assert "we are on it" in conn.comments(ref)[0].body
    conn.delete_comment(reply.ref, ref)
    assert conn.comments(ref) == []


def test_the_vendors_answers_to_edits_and_deletes(harness: FreshdeskHarness) -> None:
    """Over the wire: 200 with the note, 204 with nothing, a bare 404, 405's body, 400's."""
    ref = harness.human_create("wire")
    note = harness.human_comment(ref, "note", public=False)
    reply = harness.human_comment(ref, "reply", public=True)
    agent = harness.agent
    path = f"/api/v2/conversations/{note.key}"
    answer = agent.put(path, json={"body": "<div>new</div>"})
    assert answer.status_code == 200 and answer.json()["body_text"] == "new"
    assert answer.json()["id"] == int(note.key) and answer.json()["source"] == 2
    refused = agent.put(f"/api/v2/conversations/{reply.key}", json={"body": "<div>x</div>"})
    assert refused.status_code == 405
    assert refused.json() == {
        "code": "method_not_allowed",
        "message": "PUT method is not allowed. It should be either of these: DELETE",
    }
    bad = agent.put(path, json={"private": False})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "private"
    gone = agent.delete(path)
    assert gone.status_code == 204 and gone.content == b""
    for method in ("PUT", "DELETE"):
        missing = agent.request(method, path, json={"body": "<div>x</div>"})
        assert missing.status_code == 404 and missing.content == b""


def test_a_missing_conversation_is_not_found(harness: FreshdeskHarness) -> None:
    conn = harness.connector
    ref = harness.human_create("gone")
    made = conn.add_comment(ref, "v1", public=False, key="k-gone")
    conn.delete_comment(made.ref, ref)
    with pytest.raises(NotFound):
        conn.edit_comment(made.ref, ref, "v2")
    with pytest.raises(NotFound):
        conn.delete_comment(made.ref, ref)
    with pytest.raises(NotFound):  # a conversation of another ticket is not this one's
        other = harness.human_create("other")
        conn.edit_comment(harness.human_comment(other, "x", public=False), ref, "v2")


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


def test_missing_ticket_on_comment(harness: FreshdeskHarness) -> None:
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
