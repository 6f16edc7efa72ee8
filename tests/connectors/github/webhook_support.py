"""Shared by GitHub's webhook tests: the mapping rules, the secret, and helpers that sign a
published or built payload, verify it and parse it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from connectors.github import webhooks
from connectors.github.mapping import Rules
from syncd.model import Ref

from .conftest import GITHUB_SAMPLES

EXAMPLES = GITHUB_SAMPLES / "payload-examples" / "api.github.com"
RULES = Rules(
    instance="gh",
    priority_labels={"urgent": "priority: urgent", "high": "priority: high"},
    in_progress_labels=["in progress"],
    bot_login="syncd-bot",
)
SECRET = "s3cret"
ISSUE_1 = Ref.issue("gh", "Codertocat/Hello-World#1")


def signed_headers(event: str, body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        "X-Hub-Signature-256": webhooks.sign(secret, body),
    }


def parse_sample(path: Path, rules: Rules = RULES) -> webhooks.WebhookResult:
    body = path.read_bytes()
    headers = signed_headers(path.parent.name, body)
    webhooks.verify(headers, body, SECRET)
    return webhooks.parse(headers, body, rules)


def parse_built(
    event: str, payload: dict[str, Any], rules: Rules = RULES
) -> webhooks.WebhookResult:
    body = json.dumps(payload).encode()
    headers = signed_headers(event, body)
    webhooks.verify(headers, body, SECRET)
    return webhooks.parse(headers, body, rules)


BUILT_ISSUE = Ref.issue("gh", "acme/widgets#1")
