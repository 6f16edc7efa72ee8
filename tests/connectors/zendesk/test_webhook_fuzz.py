"""Signed, structurally random Zendesk deliveries at ``POST /webhooks/zendesk``: never a 5xx,
nothing stored from a refused one, and the daemon healthy afterwards."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from connectors.zendesk.emulator.actor import config
from connectors.zendesk.webhooks import sign
from tests.connectors.kit import fuzz, unnamed

from .test_webhooks import event_payload

SECRET = "fuzz-zendesk-secret"
COMMENTED = event_payload(
    "comment_added",
    {
        "comment": {
            "id": "9876543210",
            "body": "We are investigating. ✓",
            "is_public": True,
            "author": {"id": "900", "is_staff": True, "name": "Agent"},
        }
    },
)
PAYLOADS: list[dict[str, Any]] = [
    COMMENTED,
    {
        "detail": {**COMMENTED["detail"], "status": "HOLD"},
        "event": {"current": "HOLD", "previous": "OPEN"},
        "id": "e5f5c389-8f4a-4c2e-a1b9-8e4f39c71d52",
        "time": "2025-01-08T14:25:30.123456789Z",
        "type": "zen:event-type:ticket.status_changed",
    },
    {"ticket_id": "5158"},
]


def _headers(event: str, body: bytes, delivery: str) -> dict[str, str]:
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "X-Zendesk-Webhook-Id": "01GZ",
        "X-Zendesk-Webhook-Invocation-Id": delivery,
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        "X-Zendesk-Webhook-Signature": sign(SECRET, stamp, body),
    }


def test_random_deliveries_never_get_a_5xx_and_refusals_store_nothing(store_url: str) -> None:
    fuzz(store_url, "zendesk", config("http://127.0.0.1:9", SECRET), unnamed(PAYLOADS), _headers)
