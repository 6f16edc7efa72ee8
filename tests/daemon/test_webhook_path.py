"""The webhook route at the ASGI level: however the server hands over a body (one message or
several, with or without a declared length), the delivery is read whole, or refused with 413
past the limit, and the answer is the same."""

from __future__ import annotations

import json
from typing import Any

from syncd.daemon.app import create_app
from syncd.daemon.service import Service
from syncd.store.repository import Store
from tests.daemon.conftest import BODY, headers
from tests.daemon.intake_kit import count, run, webhooks_counted


def _deliver(
    service: Service, delivery: str, parts: list[bytes], *, declared: bool = True
) -> tuple[int, dict[str, Any]]:
    """POST ``parts`` as the body's messages, straight to the app; (status, JSON answer)."""
    app = create_app(service, manage=False)
    given = {k.lower(): v for k, v in headers(delivery).items()}
    if declared:
        given["content-length"] = str(sum(len(p) for p in parts))
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/webhooks/github",
        "raw_path": b"/webhooks/github",
        "root_path": "",
        "query_string": b"",
        "scheme": "http",
        "http_version": "1.1",
        "server": ("127.0.0.1", 8080),
        "client": ("127.0.0.1", 50000),
        "headers": [(k.encode(), v.encode()) for k, v in given.items()],
    }
    messages = [
        {"type": "http.request", "body": part, "more_body": i < len(parts) - 1}
        for i, part in enumerate(parts)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(msg: dict[str, Any]) -> None:
        sent.append(msg)

    async def scenario() -> None:
        async with app.router.lifespan_context(app):
            await app(scope, receive, send)

    run(scenario())
    start, body = sent
    raw = body["body"]
    assert dict(start["headers"])[b"content-length"] == str(len(raw)).encode()
    return start["status"], json.loads(raw)


def test_a_body_in_one_message_or_several_is_read_whole(service: Service, store: Store) -> None:
    third = len(BODY) // 3
    parts = [BODY[:third], BODY[third : 2 * third], BODY[2 * third :]]
    assert _deliver(service, "w-1", [BODY]) == (202, {"status": "accepted"})
    assert _deliver(service, "w-2", parts) == (202, {"status": "accepted"})
    assert _deliver(service, "w-3", parts, declared=False) == (202, {"status": "accepted"})
    assert _deliver(service, "w-1", parts) == (200, {"status": "duplicate"})
    assert count(store, "SELECT count(*) FROM inbox") == 3


def test_a_body_past_the_limit_is_refused_however_it_comes(service: Service, store: Store) -> None:
    service.settings.server.max_body_bytes = len(BODY) - 1
    before = webhooks_counted("too_large")
    half = len(BODY) // 2
    for parts, declared in (([BODY], True), ([BODY], False), ([BODY[:half], BODY[half:]], False)):
        status, doc = _deliver(service, f"big-{len(parts)}-{declared}", parts, declared=declared)
        assert status == 413, (len(parts), declared)
        assert doc == {"error": f"body larger than {len(BODY) - 1} bytes"}
    assert webhooks_counted("too_large") - before == 3
    assert count(store, "SELECT count(*) FROM deliveries") == 0


def test_a_client_gone_before_its_body_is_not_recorded(service: Service, store: Store) -> None:
    # the first message is the disconnect: nothing is read, verified or recorded
    status, doc = _deliver(service, "gone", [], declared=False)
    assert status == 400 and "went away" in doc["error"]
    assert count(store, "SELECT count(*) FROM deliveries") == 0
