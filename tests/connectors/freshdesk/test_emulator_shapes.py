"""The Freshdesk emulator answers in Freshdesk's shapes: its tickets, conversations, agents,
groups and companies carry every field of python-freshdesk's recorded API v2 bodies with the
same JSON types (but the fields named here as left out, and why), the connector's mapping
reads those recorded bodies, and its errors, paging and rate headers are Freshdesk's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.freshdesk.mapping import Context, comment_from_raw, ticket_from_raw
from syncd.model import Priority, Ref, TicketStatus
from tests.conftest import SAMPLES

from .conftest import FreshdeskHarness

FOLDER = SAMPLES / "freshdesk" / "python-freshdesk-v2"
# fields of the recorded bodies the emulator leaves out, and why
LEFT_OUT = {
    # the recording's contact is the older v1 shape (like its all_tickets.json)
    "contact.json": {"custom_field", "customer_id", "helpdesk_agent", "fb_profile_id",
                     "external_id", "deleted"},
}  # fmt: skip
JSON_TYPES = (bool, int, float, str, list, dict)


def _load(name: str) -> Any:
    return json.loads(Path(FOLDER / name).read_text())


def _kind(value: Any) -> type:
    return next(t for t in JSON_TYPES if isinstance(value, t))


def same_shape(sample: dict[str, Any], answer: dict[str, Any], name: str, where: str = "") -> None:
    """Every field of ``sample`` is in ``answer``, with the same JSON type when both say one."""
    for key, value in sample.items():
        if key in LEFT_OUT.get(name, set()):
            continue
        assert key in answer, f"{name}: {where}{key} missing from the emulator's answer"
        mine = answer[key]
        if value is None or mine is None:
            continue
        assert _kind(mine) is _kind(value), f"{name}: {where}{key}: {mine!r} vs {value!r}"
        if isinstance(value, dict) and key not in ("custom_fields",):
            same_shape(value, mine, name, f"{where}{key}.")


@pytest.fixture
def agent(harness: FreshdeskHarness) -> httpx.Client:
    return harness.agent


@pytest.mark.vendor_samples
def test_tickets_have_the_recorded_fields(harness: FreshdeskHarness, agent: httpx.Client) -> None:
    ref = harness.human_create("shape", "body")
    view = agent.get(f"/api/v2/tickets/{ref.key}", params={"include": "requester,stats"}).json()
    same_shape(_load("ticket_1.json"), view, "ticket_1.json")
    updated = agent.put(f"/api/v2/tickets/{ref.key}", json={"status": 4, "tags": ["x"]}).json()
    same_shape(_load("ticket_1_updated.json"), updated, "ticket_1_updated.json")
    assert updated["status"] == 4 and updated["tags"] == ["x"]


@pytest.mark.vendor_samples
def test_conversations_have_the_recorded_fields(
    harness: FreshdeskHarness, agent: httpx.Client
) -> None:
    ref = harness.human_create("conversations")
    note = agent.post(f"/api/v2/tickets/{ref.key}/notes", json={"body": "<div>n</div>"}).json()
    reply = agent.post(f"/api/v2/tickets/{ref.key}/reply", json={"body": "<div>r</div>"}).json()
    same_shape(_load("note_1.json"), note, "note_1.json")
    same_shape(_load("reply_1.json"), reply, "reply_1.json")
    assert (note["private"], note["source"], reply["private"], reply["source"]) == (
        True, 2, False, 0,
    )  # fmt: skip
    listed = agent.get(f"/api/v2/tickets/{ref.key}/conversations").json()
    for recorded, mine in zip(_load("conversations.json"), listed, strict=True):
        same_shape(recorded, mine, "conversations.json")
    # an edited note answers in a note's shape (no recording of an edit: note_1's fields)
    edited = agent.put(f"/api/v2/conversations/{note['id']}", json={"body": "<div>m</div>"})
    same_shape(_load("note_1.json"), edited.json(), "note_1.json")
    assert isinstance(edited.json()["last_edited_at"], str)


@pytest.mark.vendor_samples
def test_people_groups_and_companies_have_the_recorded_fields(
    harness: FreshdeskHarness, agent: httpx.Client
) -> None:
    same_shape(_load("agent_1.json"), agent.get("/api/v2/agents/me").json(), "agent_1.json")
    for recorded in _load("agents.json"):
        same_shape(recorded, agent.get("/api/v2/agents").json()[0], "agents.json")
    contact = agent.get(f"/api/v2/contacts/{harness.emu.customer.id}").json()
    same_shape(_load("contact.json"), contact, "contact.json")
    groups = agent.get("/api/v2/groups").json()
    same_shape(_load("group_1.json"), groups[0], "group_1.json")
    company = agent.get(f"/api/v2/companies/{harness.emu.customer.company_id}").json()
    same_shape(_load("company.json"), company, "company.json")


@pytest.mark.vendor_samples
def test_the_mapping_reads_the_recorded_bodies() -> None:
    ctx = Context(connector="fd", base_url="https://acme.freshdesk.com", bot_id=1)
    ticket = ticket_from_raw(_load("ticket_1.json"), ctx)
    assert ticket.status == TicketStatus.OPEN and ticket.priority == Priority.LOW
    assert ticket.tags == frozenset({"foo", "bar"}) and ticket.requester == "Dummyname"
    assert ticket.description == "This is a sample ticket, feel free to delete it."
    assert ticket.url == "https://acme.freshdesk.com/a/tickets/1"
    updated = ticket_from_raw(_load("ticket_1_updated.json"), ctx)
    assert updated.status == TicketStatus.SOLVED and updated.priority == Priority.HIGH
    parent = Ref.ticket("fd", 1)
    note = comment_from_raw(_load("note_1.json"), parent, ctx)
    reply = comment_from_raw(_load("reply_1.json"), parent, ctx)
    assert (note.public, note.body, note.by_syncd) == (False, "This is a private note", True)
    assert (reply.public, reply.body, reply.marker) == (True, "This is a reply", None)


def test_errors_paging_and_rate_headers(harness: FreshdeskHarness, agent: httpx.Client) -> None:
    for n in range(3):
        harness.human_create(f"page {n}")
    first = agent.get("/api/v2/tickets", params={"per_page": 2})
    assert first.status_code == 200 and len(first.json()) == 2
    for header in ("x-ratelimit-total", "x-ratelimit-remaining"):
        assert first.headers[header].isdigit()
    assert first.headers["x-ratelimit-used-currentrequest"] == "1"
    assert 'rel="next"' in first.headers["link"] and "page=2" in first.headers["link"]
    dear = agent.get("/api/v2/tickets", params={"include": "requester,description"})
    assert dear.headers["x-ratelimit-used-currentrequest"] == "5"
    for params, field in [
        ({"per_page": 101}, "per_page"),
        ({"page": 301}, "page"),
        ({"order_type": "up"}, "order_type"),
        ({"include": "conversations"}, "include"),
        ({"updated_since": "yesterday"}, "updated_since"),
    ]:
        bad = agent.get("/api/v2/tickets", params=params)
        assert bad.status_code == 400, params
        body = bad.json()
        assert body["description"] == "Validation failed"
        assert body["errors"][0]["field"] == field and body["errors"][0]["code"]
    refused = httpx.get(f"{harness.url}/api/v2/agents/me", auth=("nobody", "X"))
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_credentials"
    missing = agent.get("/api/v2/tickets/987654321")
    assert missing.status_code == 404 and not missing.content
    unknown = agent.put(f"/api/v2/tickets/{harness.human_create('x').key}", json={"colour": 1})
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["code"] == "invalid_field"
