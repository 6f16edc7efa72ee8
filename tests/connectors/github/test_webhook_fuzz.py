"""Signed, structurally random GitHub deliveries at ``POST /webhooks/github``: never a 5xx,
nothing stored from a refused one, and the daemon healthy afterwards."""

from __future__ import annotations

from typing import Any

from connectors.github.emulator.actor import config
from connectors.github.webhooks import sign
from tests.connectors.kit import fuzz

SECRET = "fuzz-github-secret"
API = "https://api.github.com/repos/acme/widgets"
USER = {"login": "dev-alice", "id": 2, "type": "User"}
ISSUE: dict[str, Any] = {
    "url": f"{API}/issues/7",
    "repository_url": API,
    "html_url": "https://github.com/acme/widgets/issues/7",
    "id": 444500041,
    "number": 7,
    "title": "Crash on start",
    "user": USER,
    "labels": [{"id": 1, "name": "bug", "color": "d73a4a"}, {"name": "priority: high"}],
    "state": "closed",
    "state_reason": "not_planned",
    "assignee": USER,
    "milestone": {"title": "v1.0", "number": 1},
    "created_at": "2019-05-15T15:20:18Z",
    "updated_at": "2019-05-15T15:21:00Z",
    "body": "It crashes.\n\n<!-- syncd:key=k-1 -->",
}
BASE = {"repository": {"full_name": "acme/widgets", "id": 1}, "sender": USER}
PAYLOADS: list[tuple[str, dict[str, Any]]] = [
    ("issues", {"action": "closed", "issue": ISSUE, **BASE}),
    (
        "issues",
        {
            "action": "transferred",
            "issue": ISSUE,
            "changes": {
                "new_issue": {**ISSUE, "number": 1},
                "new_repository": {"full_name": "acme/gadgets"},
            },
            **BASE,
        },
    ),
    (
        "issue_comment",
        {
            "action": "created",
            "issue": ISSUE,
            "comment": {
                "id": 492700400,
                "issue_url": f"{API}/issues/7",
                "html_url": "https://github.com/acme/widgets/issues/7#issuecomment-492700400",
                "user": USER,
                "body": "Seen it too. ✓",
                "created_at": "2019-05-15T15:20:21Z",
                "updated_at": "2019-05-15T15:20:21Z",
            },
            **BASE,
        },
    ),
]


def _headers(event: str, body: bytes, delivery: str) -> dict[str, str]:
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": sign(SECRET, body),
    }


def test_random_deliveries_never_get_a_5xx_and_refusals_store_nothing(store_url: str) -> None:
    fuzz(store_url, "github", config("http://127.0.0.1:9", SECRET), PAYLOADS, _headers)
