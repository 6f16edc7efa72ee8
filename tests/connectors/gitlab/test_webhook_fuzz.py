"""Structurally random GitLab deliveries with the right token at ``POST /webhooks/gitlab``:
never a 5xx, nothing stored from a refused one, and the daemon healthy afterwards."""

from __future__ import annotations

from typing import Any

from connectors.gitlab.emulator import config
from tests.connectors.kit import fuzz

SECRET = "fuzz-gitlab-token"
USER = {"id": 2, "name": "Alice", "username": "dev-alice", "email": "[REDACTED]"}
PROJECT = {"id": 14, "name": "widgets", "path_with_namespace": "acme/widgets", "namespace": "acme"}
LABEL = {"id": 206, "title": "priority::high", "color": "#ffffff", "type": "ProjectLabel"}
ISSUE: dict[str, Any] = {
    "id": 301,
    "iid": 23,
    "title": "Crash on start",
    "description": "It crashes.\n\n<!-- syncd:key=k-1 -->",
    "state": "closed",
    "created_at": "2013-12-03T17:15:43Z",
    "updated_at": "2013-12-03 17:16:00 UTC",
    "url": "https://gitlab.example.com/acme/widgets/-/issues/23",
    "labels": [LABEL],
}
PAYLOADS: list[tuple[str, dict[str, Any]]] = [
    (
        "Issue Hook",
        {
            "object_kind": "issue",
            "event_type": "issue",
            "user": USER,
            "project": PROJECT,
            "object_attributes": {**ISSUE, "action": "close"},
            "labels": [LABEL],
            "assignees": [USER],
            "changes": {"state_id": {"previous": 1, "current": 2}},
        },
    ),
    (
        "Confidential Note Hook",
        {
            "object_kind": "note",
            "event_type": "confidential_note",
            "user": USER,
            "project_id": 14,
            "project": PROJECT,
            "object_attributes": {
                "id": 1241,
                "note": "Seen it too. ✓",
                "noteable_type": "Issue",
                "created_at": "2015-05-17 17:06:40 UTC",
                "updated_at": "2015-05-17 17:06:40 UTC",
                "system": False,
                "internal": True,
                "action": "create",
            },
            "issue": ISSUE,
        },
    ),
]


def _headers(event: str, body: bytes, delivery: str) -> dict[str, str]:
    return {"X-Gitlab-Event": event, "X-Gitlab-Event-UUID": delivery, "X-Gitlab-Token": SECRET}


def test_random_deliveries_never_get_a_5xx_and_refusals_store_nothing(store_url: str) -> None:
    fuzz(store_url, "gitlab", config("http://127.0.0.1:9", SECRET), PAYLOADS, _headers)
