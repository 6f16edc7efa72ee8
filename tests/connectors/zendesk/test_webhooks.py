"""Zendesk webhook signatures and event payloads."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.zendesk.mapping import Context, Names
from connectors.zendesk.webhooks import parse, sign, verify
from syncd.errors import WebhookError
from syncd.model import ChangeKind, Comment, Priority, Ref, Ticket, TicketStatus
from syncd.webhooks import NeedsThread

from .conftest import SAMPLES

CTX = Context(connector="zd", base_url="https://acme.zendesk.com", bot_id=900)
STAMP = "2021-07-25T10:00:00Z"
AT = datetime(2021, 7, 25, 10, 0, tzinfo=UTC).timestamp()


def headers(secret: str, body: bytes, stamp: str = STAMP) -> dict[str, str]:
    return {
        "X-Zendesk-Webhook-Signature": sign(secret, stamp, body),
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        "X-Zendesk-Webhook-Id": "01GZ",
    }


def vectors() -> Any:
    """The signing test values Zendesk's docs publish (in the vendor samples)."""
    return json.loads((SAMPLES / "signing-test-vectors.json").read_text())


@pytest.mark.vendor_samples
def test_legacy_vector_reproduces_only_with_body_first() -> None:
    """The vector from an older revision of Zendesk's page was signed body + timestamp.

    Its caveat: the current page (and Zendesk's service) signs timestamp + body, which is what
    ``sign`` does; with that order the same inputs give another value, quoted in the file.
    """
    v = vectors()["zendesk_legacy_doc_vector"]
    body = v["body"].encode()
    assert sign(v["signing_secret"], v["timestamp"], body) != v["expected_signature"]
    assert sign(v["signing_secret"], v["timestamp"], body) == (
        "Rry/4TtIdFyawtXXp8QdI6tlAUUQ/5kL1OTp5qo/ZIk="
    )
    # body first reproduces the documented value, so the vector itself is sound
    assert sign(v["signing_secret"], "", body + v["timestamp"].encode()) == v["expected_signature"]


@pytest.mark.vendor_samples
def test_current_formula_verifies_with_the_secret_string_as_key() -> None:
    secret = vectors()["zendesk_test_secret"]["signing_secret"]
    body = b'{"say": "hello"}'
    verify(headers(secret, body), body, secret, now=AT + 10)
    # the key is the secret string itself, not its base64 decoding
    with pytest.raises(WebhookError):
        verify(headers("this_secret_is_for_testing_only", body), body, secret, now=AT)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda h: {k: v for k, v in h.items() if k != "X-Zendesk-Webhook-Signature"},
        lambda h: {k: v for k, v in h.items() if "Timestamp" not in k},
        lambda h: {**h, "X-Zendesk-Webhook-Signature": "AAAA"},
        lambda h: {**h, "X-Zendesk-Webhook-Signature-Timestamp": "2021-07-25T10:00:01Z"},
    ],
)
def test_missing_or_wrong_signature_is_401(mangle: Any) -> None:
    body = b'{"ticket_id": 1}'
    with pytest.raises(WebhookError) as err:
        verify(mangle(headers("s3cret", body)), body, "s3cret", now=AT)
    assert err.value.status == 401


def test_header_names_are_case_insensitive() -> None:
    body = b"{}"
    lower = {k.lower(): v for k, v in headers("s3cret", body).items()}
    verify(lower, body, "s3cret", now=AT)


@pytest.mark.parametrize("skew", [-301, 301, 3600])
def test_stale_or_future_timestamp_is_401(skew: int) -> None:
    body = b'{"ticket_id": 1}'
    with pytest.raises(WebhookError) as err:
        verify(headers("s3cret", body), body, "s3cret", now=AT + skew, max_age=300)
    assert err.value.status == 401 and "stale" in err.value.reason


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"hello": 1}', b'{"ticket_id": "x"}'])
def test_malformed_is_400(body: bytes) -> None:
    with pytest.raises(WebhookError) as err:
        parse({}, body, CTX)
    assert err.value.status == 400


def event(kind: str, event_body: dict[str, Any], **detail: Any) -> bytes:
    """A delivery of ``kind`` about ticket 5158, its detail changed by ``detail``."""
    return json.dumps(event_payload(kind, event_body, **detail)).encode()


def event_payload(kind: str, event_body: dict[str, Any], **detail: Any) -> dict[str, Any]:
    base = {
        "actor_id": "501",
        "assignee_id": None,
        "brand_id": "1",
        "created_at": "2025-01-08T10:12:07Z",
        "description": "Cannot log in since the update",
        "external_id": None,
        "group_id": "360001",
        "id": "5158",
        "organization_id": None,
        "priority": "HIGH",
        "requester_id": "700",
        "status": "OPEN",
        "subject": "Cannot login to mobile app",
        "submitter_id": "501",
        "tags": ["mobile", "login"],
        "type": None,
        "updated_at": "2025-01-08T14:25:30Z",
        "via": {"channel": "web_service"},
    }
    base.update(detail)
    payload = {
        "account_id": 22129848,
        "detail": base,
        "event": event_body,
        "id": "d4f5c389-8f4a-4c2e-a1b9-8e4f39c71d52",
        "subject": "zen:ticket:5158",
        "time": "2025-01-08T14:25:30.123456789Z",
        "type": f"zen:event-type:ticket.{kind}",
        "zendesk_event_version": "2022-11-06",
    }
    return payload


AT_UPDATE = datetime(2025, 1, 8, 14, 25, 30, tzinfo=UTC)
NAMES = Names(users={700: "Dana Customer"}, groups={360001: "Support"})
TICKET = Ticket(
    ref=Ref.ticket("zd", 5158),
    subject="Cannot login to mobile app",
    description="Cannot log in since the update",
    status=TicketStatus.ON_HOLD,
    priority=Priority.HIGH,
    tags=frozenset({"mobile", "login"}),
    group="Support",
    requester="Dana Customer",
    url="https://acme.zendesk.com/agent/tickets/5158",
    created_at=datetime(2025, 1, 8, 10, 12, 7, tzinfo=UTC),
    updated_at=AT_UPDATE,
)


def test_status_changed_is_an_exact_upsert() -> None:
    body = event("status_changed", {"current": "HOLD", "previous": "OPEN"}, status="HOLD")
    result = parse({}, body, CTX, NAMES)
    assert result.delivery_id == "d4f5c389-8f4a-4c2e-a1b9-8e4f39c71d52"
    assert result.event == "zen:event-type:ticket.status_changed"
    (change,) = result.changes
    assert change.kind == ChangeKind.UPSERT and change.source == "webhook"
    assert change.ticket == TICKET
    assert change.actor == "501" and change.at == AT_UPDATE


def test_custom_field_changed_by_a_person_reads_the_ticket_again() -> None:
    """The delivery names the field's id and values but the snapshot carries no custom
    fields: the ticket is read again. syncd's own change needs no read (it knows it)."""
    body = event("custom_field_changed", {"id": "360001", "current": "2.4", "previous": "2.3"})
    (change,) = parse({}, body, CTX, NAMES).changes
    assert change.kind == ChangeKind.TOUCHED and change.ref == TICKET.ref
    own = event("custom_field_changed", {"id": "360001", "current": "2.4"}, actor_id="1001")
    (echo,) = parse({}, own, replace(CTX, bot_id=1001), NAMES).changes
    assert echo.kind == ChangeKind.UPSERT and "fields" in echo.partial


def test_comment_added_gives_upsert_and_comment() -> None:
    comment = {
        "id": 9876543210,
        "body": "We are investigating this issue.",
        "is_public": True,
        "author": {"id": 900, "is_staff": True, "name": "syncd"},
    }
    result = parse({}, event("comment_added", {"comment": comment}, status="HOLD"), CTX, NAMES)
    upsert, added = result.changes
    assert upsert.kind == ChangeKind.UPSERT and upsert.ticket == TICKET
    assert added.kind == ChangeKind.COMMENT and added.ref == TICKET.ref and added.actor == "900"
    assert added.comment == Comment(
        ref=Ref.comment("zd", 9876543210),
        parent=TICKET.ref,
        author="syncd",
        body="We are investigating this issue.",
        public=True,
        created_at=AT_UPDATE,
        updated_at=AT_UPDATE,
        by_syncd=True,
        files=None,  # the event names no attachments: read when needed
    )


def test_unknown_requester_stays_unnamed_and_priority_may_be_null() -> None:
    result = parse({}, event("created", {}, priority=None, status="NEW"), CTX)
    (change,) = result.changes
    assert change.ticket is not None
    assert change.ticket.requester is None and change.ticket.priority is None
    assert change.ticket.status == TicketStatus.NEW and change.ticket.group == "360001"


def test_deleted_and_foreign_events() -> None:
    gone = parse({}, event("soft_deleted", {}), CTX)
    assert [c.kind for c in gone.changes] == [ChangeKind.DELETED]
    other = json.dumps({"type": "zen:event-type:user.created", "id": "x", "detail": {}}).encode()
    assert parse({}, other, CTX).changes == ()


def test_trigger_body_is_a_touch() -> None:
    result = parse({"X-Zendesk-Webhook-Invocation-Id": "42"}, b'{"ticket_id": "77"}', CTX)
    (change,) = result.changes
    assert change.kind == ChangeKind.TOUCHED and change.ref == Ref.ticket("zd", 77)
    assert result.delivery_id == "42" and change.source == "webhook"


def test_emulator_deliveries_verify_and_parse(harness: Any) -> None:
    """Every delivery the emulator signs verifies with the connector's secret."""
    ref = harness.human_create("hooks")
    harness.human_comment(ref, "first reply", public=True)
    harness.connector.update_ticket(ref, status=TicketStatus.PENDING, add_tags=["x"], key="k1")
    delivered = harness.emu.control.webhooks.captured[-4:]
    kinds = [name for name, _, _ in delivered]
    assert kinds == [
        "zen:event-type:ticket.created",
        "zen:event-type:ticket.comment_added",
        "zen:event-type:ticket.status_changed",
        "zen:event-type:ticket.tags_changed",
    ]
    for _, hdrs, body in delivered:
        harness.connector.verify_webhook(hdrs, body)
        result = harness.connector.parse_webhook(hdrs, body)
        assert result.changes[0].ref == ref
    last = harness.connector.parse_webhook(delivered[-1][1], delivered[-1][2])
    ticket = last.changes[0].ticket
    assert ticket is not None and ticket.status == TicketStatus.PENDING and "x" in ticket.tags
    assert ticket.requester == "Carol Customer"
    assert last.changes[0].actor == str(harness.emu.bot.id)


def test_on_the_event_loop_an_unseen_requester_asks_for_a_thread(harness: Any) -> None:
    """Offline once the bot is known; a delivery naming a requester not seen yet would call
    Zendesk, so on the event loop it raises NeedsThread, and on a thread it is named."""
    ref = harness.human_create("names")
    (_, hdrs, body) = next(
        d for d in reversed(harness.emu.control.webhooks.captured) if d[0].endswith(".created")
    )
    conn = harness.connector
    assert not conn.webhooks_offline()  # the bot's id is not known yet
    conn.bot_id()
    assert conn.webhooks_offline()

    async def on_loop() -> Any:
        return conn.parse_webhook(hdrs, body)

    users = harness.emu.control.total("GET /api/v2/users/")
    with pytest.raises(NeedsThread):
        asyncio.run(on_loop())
    assert harness.emu.control.total("GET /api/v2/users/") == users, "no call on the loop"
    off_loop = conn.parse_webhook(hdrs, body)  # a thread may wait: the name is read once
    assert off_loop.changes[0].ref == ref
    assert off_loop.changes[0].ticket.requester == "Carol Customer"
    assert harness.emu.control.total("GET /api/v2/users/") == users + 1
    again = asyncio.run(on_loop())  # now known: parsed on the loop, no call
    assert again.changes[0].ticket.requester == "Carol Customer"
    assert harness.emu.control.total("GET /api/v2/users/") == users + 1
