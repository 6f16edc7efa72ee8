"""syncd's own comments coming back by webhook: the delivery is recorded (a repeat is still a
repeat), nothing reaches the inbox, the worker is not woken, and the echo is counted."""

from __future__ import annotations

import json

import pytest

from connectors.github.webhooks import sign
from syncd import metrics
from syncd.daemon.service import Service
from syncd.store.repository import Store
from tests.daemon.conftest import SECRET
from tests.daemon.intake_kit import count
from tests.payloads import github_comment_event


def comment_delivery(delivery: str, body: str, login: str) -> tuple[dict[str, str], bytes]:
    """A signed GitHub ``issue_comment`` delivery with ``body`` by ``login``."""
    raw = json.dumps(github_comment_event(body, login)).encode()
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": "issue_comment",
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": sign(SECRET, raw),
    }
    return headers, raw


def echoes_counted() -> float:
    labels = {"connector": "github"}
    return metrics.REGISTRY.get_sample_value("syncd_echoes_dropped_total", labels) or 0.0


@pytest.mark.parametrize(
    "body,login",
    [
        ("Customer confirms.\n\n<!-- syncd:key=copy:zendesk:comment:7:github -->", "dev-alice"),
        ("Status: pending", "syncd-bot"),  # the bot's own login, no marker
    ],
    ids=["marked", "by-the-bot"],
)
def test_an_own_comment_coming_back_is_recorded_but_not_queued(
    service: Service, store: Store, body: str, login: str
) -> None:
    before = echoes_counted()
    headers, raw = comment_delivery("echo-1", body, login)
    service._inbox_ready.clear()
    assert service.ingest_webhook("github", headers, raw) == (202, "accepted")
    assert count(store, "SELECT count(*) FROM inbox") == 0
    assert not service._inbox_ready.is_set(), "nothing queued: the worker is not woken"
    assert echoes_counted() - before == 1
    # the delivery id is recorded all the same: the vendor's retry is a repeat
    assert service.ingest_webhook("github", headers, raw) == (200, "duplicate")
    assert echoes_counted() - before == 1


def test_a_person_s_comment_is_queued(service: Service, store: Store) -> None:
    before = echoes_counted()
    headers, raw = comment_delivery("human-1", "Found the cause.", "dev-alice")
    service._inbox_ready.clear()
    assert service.ingest_webhook("github", headers, raw) == (202, "accepted")
    assert count(store, "SELECT count(*) FROM inbox") == 1
    assert service._inbox_ready.is_set()
    assert echoes_counted() == before
