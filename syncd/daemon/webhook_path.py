"""The webhook path: ``POST /webhooks/{name}`` answered as directly as ASGI allows.

Deliveries are the daemon's hottest requests, and the framework's middleware, routing,
dependency resolution and response classes cost more than verifying, parsing and persisting
a delivery. :class:`WebhookPath` is the outermost layer of the app and answers these
requests itself; everything else goes on to the framework. The app keeps a route of the same
path (for its OpenAPI description); both call :func:`answer`, which verifies and parses on
the event loop and persists through the :class:`~syncd.daemon.intake.Intake` (group commit).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, MutableMapping
from typing import Any

import anyio.to_thread
import structlog

from syncd.daemon import metrics
from syncd.daemon.intake import Intake
from syncd.errors import WebhookError

log = structlog.get_logger("syncd.app")
PREFIX = "/webhooks/"

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


async def answer(
    intake: Intake,
    name: str,
    headers: Mapping[str, str],
    chunks: AsyncIterator[bytes],
    limit: int,
) -> tuple[int, dict[str, str]]:
    """Read, verify, parse and persist one delivery; return (HTTP status, JSON body)."""
    service = intake.service
    label = name if name in service.connectors else "unknown"
    declared = headers.get("content-length", "")
    too_large = declared.isdigit() and int(declared) > limit
    parts: list[bytes] = []
    size = 0
    if not too_large:
        async for chunk in chunks:
            size += len(chunk)
            if size > limit:
                too_large = True
                break
            parts.append(chunk)
    if too_large:
        metrics.WEBHOOKS.labels(label, "too_large").inc()
        log.warning("webhook.rejected", connector=name, status=413, reason="body too large")
        return 413, {"error": f"body larger than {limit} bytes"}
    body = b"".join(parts)
    try:
        if service.receives_offline(name):
            result = service.receive(name, headers, body)  # CPU only: no thread hop
        else:
            # the connector may call its vendor while parsing: not on the event loop
            result = await anyio.to_thread.run_sync(service.receive, name, headers, body)
        fresh = await intake.submit(name, result)
    except WebhookError as exc:
        metrics.WEBHOOKS.labels(label, f"rejected_{exc.status}").inc()
        log.warning("webhook.rejected", connector=name, status=exc.status, reason=exc.reason)
        return exc.status, {"error": exc.reason}
    return (202, {"status": "accepted"}) if fresh else (200, {"status": "duplicate"})


class WebhookPath:
    """ASGI middleware answering ``POST /webhooks/{name}``; other requests pass through."""

    def __init__(self, app: Any, intake: Intake, limit: int) -> None:
        self.app = app
        self.intake = intake
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        name = path[len(PREFIX) :] if path.startswith(PREFIX) else ""
        if scope.get("method") != "POST" or not name or "/" in name:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}

        async def chunks() -> AsyncIterator[bytes]:
            while True:
                msg = await receive()
                if msg["type"] != "http.request":
                    return  # the client went away
                yield msg.get("body", b"")
                if not msg.get("more_body", False):
                    return

        status, doc = await answer(self.intake, name, headers, chunks(), self.limit)
        raw = json.dumps(doc).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(raw)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": raw})
