"""Pure mapping between Zendesk JSON and canonical values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.zendesk.mapping import (
    Context,
    Names,
    custom_fields_by_name,
    parse_time,
    priority_from_raw,
    status_from_raw,
    status_to_raw,
    ticket_from_raw,
    update_body,
)
from connectors.zendesk.mapping_comments import comments_from_audits
from syncd.model import Priority, Ref, TicketStatus

CTX = Context(connector="zd", base_url="https://acme.zendesk.com/", custom_fields={"sev": 11})


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("new", TicketStatus.NEW),
        ("open", TicketStatus.OPEN),
        ("pending", TicketStatus.PENDING),
        ("hold", TicketStatus.ON_HOLD),
        ("HOLD", TicketStatus.ON_HOLD),
        ("solved", TicketStatus.SOLVED),
        ("closed", TicketStatus.CLOSED),
    ],
)
def test_status_both_ways(raw: str, status: TicketStatus) -> None:
    assert status_from_raw(raw) == status
    assert status_to_raw(status) == raw.lower()


def test_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError):
        status_from_raw("deleted")


@pytest.mark.parametrize(
    ("raw", "prio"),
    [
        ("urgent", Priority.URGENT),
        ("HIGH", Priority.HIGH),
        ("normal", Priority.NORMAL),
        ("low", Priority.LOW),
        (None, None),
        ("", None),
    ],
)
def test_priority(raw: str | None, prio: Priority | None) -> None:
    assert priority_from_raw(raw) == prio


def test_times_keep_one_second_and_nanoseconds() -> None:
    assert parse_time("2011-05-05T10:38:52Z") == datetime(2011, 5, 5, 10, 38, 52, tzinfo=UTC)
    assert parse_time("2025-01-08T14:25:30.123456789Z") == datetime(
        2025, 1, 8, 14, 25, 30, 123456, tzinfo=UTC
    )
    assert parse_time(None) is None


def test_ticket_uses_names_never_emails() -> None:
    raw = {
        "id": 7,
        "subject": "s",
        "status": "hold",
        "priority": None,
        "tags": ["b", "a", "a"],
        "requester_id": 5,
        "group_id": 6,
        "organization_id": 8,
        "custom_fields": [{"id": 11, "value": "S1"}, {"id": 12, "value": "x"}],
        "updated_at": "2020-01-01T00:00:00Z",
    }
    names = Names(users={5: "Eve"}, groups={6: "Tier 2"})
    t = ticket_from_raw(raw, CTX, names)
    assert t.ref == Ref.ticket("zd", 7) and t.status == TicketStatus.ON_HOLD
    assert t.requester == "Eve" and t.group == "Tier 2" and t.organization == "8"
    assert t.tags == frozenset({"a", "b"}) and t.fields == {"sev": "S1"}
    assert t.url == "https://acme.zendesk.com/agent/tickets/7"
    assert ticket_from_raw(raw, CTX).requester is None


def test_custom_field_values_become_text() -> None:
    got = custom_fields_by_name(
        [{"id": 1, "value": True}, {"id": 2, "value": ["x", "y"]}, {"id": 3, "value": None}],
        {"flag": 1, "multi": 2, "empty": 3},
    )
    assert got == {"flag": "true", "multi": "x,y"}


def test_comments_from_audits_carry_markers() -> None:
    audits = [
        {
            "author_id": 1,
            "created_at": "2020-01-01T00:00:00Z",
            "metadata": {"custom": {"syncd_key": "k-1"}},
            "events": [
                {"type": "Comment", "id": 10, "body": "b", "public": False},
                {"type": "Change", "id": 11, "field_name": "status", "value": "open"},
            ],
        },
        {
            "author_id": 2,
            "metadata": {"custom": {}},
            "events": [{"type": "Comment", "id": 12, "body": "c", "public": True, "author_id": 3}],
        },
    ]
    ctx = Context(connector="zd", bot_id=1)
    first, second = comments_from_audits(audits, Ref.ticket("zd", 5), ctx, Names(users={3: "Al"}))
    assert first.marker == "k-1" and first.by_syncd and not first.public and first.author == "1"
    assert second.marker is None and not second.by_syncd and second.author == "Al"
    assert second.ref == Ref.comment("zd", 12)


def test_comments_carry_their_attachments_names() -> None:
    raw = {
        "type": "Comment",
        "id": 20,
        "body": "see the log",
        "public": True,
        "attachments": [
            {"id": 1, "file_name": "crash.log", "content_url": "https://x/1"},
            {"id": 2, "content_url": "https://x/2"},  # no name: left out
        ],
    }
    ctx = Context(connector="zd", bot_id=1)
    (got,) = comments_from_audits([{"author_id": 2, "events": [raw]}], Ref.ticket("zd", 5), ctx)
    assert got.attachments == ("crash.log",)
    raw.pop("attachments")
    (bare,) = comments_from_audits([{"author_id": 2, "events": [raw]}], Ref.ticket("zd", 5), ctx)
    assert bare.attachments == ()


def test_update_body_is_one_request() -> None:
    body = update_body(
        status=TicketStatus.ON_HOLD,
        priority=Priority.HIGH,
        add_tags=["linked"],
        remove_tags=["new"],
        fields={"sev": "S2"},
        field_ids={"sev": 11},
        comment="**filed**",
        public=False,
        key="k-9",
    )
    assert body == {
        "ticket": {
            "status": "hold",
            "priority": "high",
            "additional_tags": ["linked"],
            "remove_tags": ["new"],
            "custom_fields": [{"id": 11, "value": "S2"}],
            "comment": {"body": "**filed**", "public": False},
            "metadata": {"syncd_key": "k-9"},
        }
    }
    assert update_body() == {"ticket": {}}
    with pytest.raises(KeyError):
        update_body(fields={"nope": "1"}, field_ids={})
