"""Hostile or odd Zendesk deliveries: refused with the field named, never coerced, never a
crash; and the shapes Zendesk really sends (ids as strings of digits), accepted on purpose."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.zendesk.webhooks import parse
from syncd.errors import WebhookError
from syncd.model import ChangeKind, Ref

from .test_webhooks import CTX, event

HUGE_INT = "9" * 5000
COMMENT = {"id": "42", "body": "Hi", "is_public": True, "author": {"id": "900", "name": "A"}}


def _refused(body: bytes) -> str:
    with pytest.raises(WebhookError) as err:
        parse({}, body, CTX)
    assert err.value.status == 400
    return err.value.reason


@pytest.mark.parametrize("ticket_id", ["1e400", "1e309", HUGE_INT, "5158.0", "true", '"51x"'])
def test_a_ticket_id_that_is_not_an_id_is_refused(ticket_id: str) -> None:
    body = event("status_changed", {}).replace(b'"id": "5158"', f'"id": {ticket_id}'.encode())
    reason = _refused(body)
    assert reason.startswith("body: detail.id:") or "not JSON" in reason
    trigger = f'{{"ticket_id": {ticket_id}}}'.encode()
    reason = _refused(trigger)
    assert reason.startswith("body: ticket_id:") or "not JSON" in reason


@pytest.mark.parametrize("comment_id", ["1e400", HUGE_INT, '"abc"', "0", "-3"])
def test_a_comment_id_that_is_not_an_id_is_refused(comment_id: str) -> None:
    body = event("comment_added", {"comment": COMMENT})
    body = body.replace(b'"id": "42"', f'"id": {comment_id}'.encode())
    reason = _refused(body)
    assert reason.startswith("body: event.comment.id:") or "not JSON" in reason


@pytest.mark.parametrize(
    ("detail", "field"),
    [
        ({"status": "BOGUS"}, "detail.status"),
        ({"status": 7}, "detail.status"),
        ({"priority": "CRITICAL"}, "detail.priority"),
        ({"tags": "mobile"}, "detail.tags"),
        ({"requester_id": "seven hundred"}, "detail.requester_id"),
        ({"requester_id": 1.5}, "detail.requester_id"),
        ({"updated_at": "9999-12-31T23:59:59-08:00"}, "detail.updated_at"),
        ({"subject": ["Cannot login"]}, "detail.subject"),
    ],
)
def test_detail_fields_of_the_wrong_shape_are_refused(detail: dict[str, Any], field: str) -> None:
    assert _refused(event("status_changed", {}, **detail)).startswith(f"body: {field}")


def test_a_comment_added_event_without_its_comment_is_refused() -> None:
    assert _refused(event("comment_added", {})).startswith("body: event.comment:")


def test_ids_as_strings_of_digits_or_numbers_are_both_read() -> None:
    # event webhooks write ids as strings ("5158"), the REST API as numbers
    as_text = parse({}, event("comment_added", {"comment": COMMENT}), CTX)
    as_numbers = parse({}, event("comment_added", {"comment": {**COMMENT, "id": 42}}, id=5158), CTX)
    for result in (as_text, as_numbers):
        upsert, comment = result.changes
        assert upsert.ref == Ref.ticket("zd", 5158) and comment.kind == ChangeKind.COMMENT
        assert comment.comment is not None and comment.comment.ref == Ref.comment("zd", 42)
    assert parse({}, b'{"ticket_id": 77}', CTX).changes[0].ref == Ref.ticket("zd", 77)


def test_events_about_other_things_than_tickets_are_acknowledged() -> None:
    other = {"type": "zen:event-type:user.created", "id": "x", "detail": {"id": [1]}}
    assert parse({}, json.dumps(other).encode(), CTX).changes == ()
    assert _refused(b'{"type": 7, "detail": {}}').startswith("body: type:")
