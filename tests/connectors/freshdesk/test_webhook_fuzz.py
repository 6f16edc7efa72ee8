"""Structurally random Freshdesk rule bodies, with the right secret header, at
``POST /webhooks/freshdesk``: never a 5xx, nothing stored from a refused one, and the daemon
healthy afterwards."""

from __future__ import annotations

from typing import Any

from connectors.freshdesk.emulator import config
from tests.connectors.kit import fuzz, unnamed

SECRET = "fuzz-freshdesk-secret"
PAYLOADS: list[dict[str, Any]] = [
    {"ticket_id": 5158, "event": "Status changed from Open to Pending"},
    {"ticket_id": "5158"},
    {
        "freshdesk_webhook": {
            "ticket_id": 5158,
            "ticket_subject": "Export to CSV crashes",
            "ticket_status": "Pending",
            "ticket_tags": "escalate,vip",
        }
    },
]


def _headers(event: str, body: bytes, delivery: str) -> dict[str, str]:
    return {"X-Syncd-Webhook-Secret": SECRET}


def test_random_deliveries_never_get_a_5xx_and_refusals_store_nothing(store_url: str) -> None:
    fuzz(store_url, "freshdesk", config("http://127.0.0.1:9", SECRET), unnamed(PAYLOADS), _headers)
