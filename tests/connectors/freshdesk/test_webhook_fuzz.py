"""Structurally random Freshdesk rule bodies, with the right secret header, at
``POST /webhooks/freshdesk``: never a 5xx, nothing stored from a refused one, and the daemon
healthy afterwards."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from connectors.freshdesk.emulator import config
from tests.webhook_fuzz import FUZZ, door, mutated

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


def test_random_deliveries_never_get_a_5xx_and_refusals_store_nothing(store_url: str) -> None:
    with door(store_url, "freshdesk", config("http://127.0.0.1:9", SECRET)) as daemon:

        @FUZZ
        @given(st.sampled_from(PAYLOADS).flatmap(mutated))
        def deliver(body: bytes) -> None:
            headers = {"Content-Type": "application/json", "X-Syncd-Webhook-Secret": SECRET}
            daemon.post(body, headers)

        deliver()
        assert daemon.healthy()
