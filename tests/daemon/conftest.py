"""What the daemon's tests share: a service with a GitHub connector over the test's store,
and signed deliveries of a GitHub ``issues`` payload."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from connectors.github.emulator.actor import config as github_config
from connectors.github.webhooks import sign
from syncd.daemon.service import Service
from syncd.settings import parse
from syncd.store.repository import Store
from tests.payloads import github_issues_event

SECRET = "intake-test-secret"
BODY = json.dumps(github_issues_event("opened")).encode()
WAIT = 30.0  # a bound on waiting for a condition, never a delay the test relies on


def headers(delivery: str) -> dict[str, str]:
    """A signed GitHub ``issues`` delivery with id ``delivery``."""
    return {
        "Content-Type": "application/json",
        "X-GitHub-Event": "issues",
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": sign(SECRET, BODY),
    }


@pytest.fixture
def service(store: Store) -> Iterator[Service]:
    """A service with a GitHub connector (never contacted) over the test's store."""
    settings = parse({"connectors": {"github": github_config("http://127.0.0.1:9", SECRET)}})
    svc = Service(settings, store=store)
    yield svc
    for conn in svc.connectors.values():
        conn.close()
