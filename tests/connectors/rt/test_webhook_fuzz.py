"""Signed, structurally random notices of the Request Tracker Scrip at ``POST /webhooks/rt``:
never a 5xx, nothing stored from a refused one, and the daemon healthy afterwards."""

from __future__ import annotations

from typing import Any

from connectors.rt.webhooks import sign
from tests.connectors.kit import fuzz, unnamed

SECRET = "fuzz-rt-secret"
CONFIG = {"kind": "rt", "base_url": "http://127.0.0.1:9", "token": "t", "webhook_secret": SECRET}
NOTICES: list[dict[str, Any]] = [
    {
        "queue": "General",
        "ticket": 12,
        "transaction": 345,
        "type": "Correspond",
        "types": ["Comment", "Correspond"],
    },
    {"queue": "General", "ticket": 12, "type": "Status", "types": ["Status"]},
]


def _headers(event: str, body: bytes, delivery: str) -> dict[str, str]:
    return {"X-Syncd-Delivery": delivery, "X-Syncd-Signature": sign(body, SECRET)}


def test_random_notices_never_get_a_5xx_and_refusals_store_nothing(store_url: str) -> None:
    fuzz(store_url, "rt", CONFIG, unnamed(NOTICES), _headers)
