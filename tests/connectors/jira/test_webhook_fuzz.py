"""Signed, structurally random Jira deliveries at ``POST /webhooks/jira``: never a 5xx,
nothing stored from a refused one, and the daemon healthy afterwards."""

from __future__ import annotations

from typing import Any

from connectors.jira.emulator.actor import config
from connectors.jira.webhooks import sign
from tests.connectors import kit
from tests.connectors.kit import unnamed

SECRET = "fuzz-jira-secret"
REST = "https://jira.example.com/rest/api/2"
USER = {"name": "alice", "key": "alice", "displayName": "Alice Dev", "active": True}
COMMENT = {
    "self": f"{REST}/issue/10013/comment/10082",
    "id": "10082",
    "author": USER,
    "body": "Seen it *too*.",
    "updateAuthor": USER,
    "created": "2019-02-15T19:15:40.470-0800",
    "updated": "2019-02-15T19:15:40.470-0800",
}
ISSUE: dict[str, Any] = {
    "id": "10013",
    "self": f"{REST}/issue/10013",
    "key": "WID-14",
    "fields": {
        "summary": "Crash on start",
        "description": "It crashes.",
        "status": {"name": "Done", "statusCategory": {"key": "done", "id": 3}},
        "resolution": {"name": "Won't Do"},
        "priority": {"name": "High", "id": "2"},
        "labels": ["crash", "customer"],
        "assignee": USER,
        "fixVersions": [{"name": "1.0"}],
        "created": "2019-02-15T19:15:40.470-0800",
        "updated": "2019-02-15T19:16:40.470-0800",
        "customfield_10000": None,
    },
}
PAYLOADS: list[dict[str, Any]] = [
    {
        "timestamp": 1550287000000,
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_commented",
        "user": USER,
        "issue": ISSUE,
        "comment": COMMENT,
        "changelog": {
            "id": "10400",
            "items": [{"field": "Key", "fieldtype": "jira", "fromString": "OLD-3"}],
        },
    },
    {
        "timestamp": 1550287000000,
        "webhookEvent": "comment_created",
        "issue": {**ISSUE, "fields": {"summary": "Crash on start", "status": {"name": "Done"}}},
        "comment": {**COMMENT, "jsdPublic": True},
    },
    {"timestamp": 1550287000000, "webhookEvent": "jira:issue_deleted", "issue": ISSUE},
]


def fuzz(store_url: str, name: str, settings: dict[str, Any], payloads: list[Any]) -> None:
    """Post mutations of ``payloads``, signed as Jira signs, to connector ``name``."""
    secret = str(settings["webhook_secret"])

    def headers(event: str, body: bytes, delivery: str) -> dict[str, str]:
        return {"X-Atlassian-Webhook-Identifier": delivery, "X-Hub-Signature": sign(secret, body)}

    kit.fuzz(store_url, name, settings, unnamed(payloads), headers)


def test_random_deliveries_never_get_a_5xx_and_refusals_store_nothing(store_url: str) -> None:
    fuzz(store_url, "jira", config("datacenter")("http://127.0.0.1:9", SECRET), PAYLOADS)
