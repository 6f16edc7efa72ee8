"""The webhook path: ``POST /webhooks/{name}`` answered as directly as ASGI allows.

Deliveries are the daemon's hottest requests, and the framework's middleware, routing,
dependency resolution and response classes cost more than verifying, parsing and persisting
a delivery. :class:`WebhookPath` is the outermost layer of the app and answers these
requests itself; everything else goes on to the framework. The app keeps a route of the same
path (for its OpenAPI description); both call :func:`answer`, which verifies and parses on
the event loop and persists through the :class:`~syncd.daemon.intake.Intake` (group commit).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, MutableMapping
from typing import Any

import anyio.to_thread
import structlog

from syncd.daemon import metrics
from syncd.daemon.intake import Intake
from syncd.errors import WebhookError
from syncd.webhooks import NeedsThread

log = structlog.get_logger("syncd.app")
PREFIX = "/webhooks/"

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


# the answers nearly every delivery gets: shared, never changed, their bodies encoded once
ACCEPTED = (202, {"status": "accepted"})
DUPLICATE = (200, {"status": "duplicate"})


async def answer(
    intake: Intake,
    name: str,
    headers: Mapping[str, str],
    chunks: AsyncIterator[bytes],
    limit: int,
) -> tuple[int, dict[str, str]]:
    """Read, verify, parse and persist one delivery; return (HTTP status, JSON body)."""
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
        return refuse_too_large(intake, name, limit)
    return await answer_body(intake, name, headers, b"".join(parts))


def refuse_too_large(intake: Intake, name: str, limit: int) -> tuple[int, dict[str, str]]:
    """The answer to a body over ``limit`` bytes (413), counted and logged."""
    label = name if name in intake.service.connectors else "unknown"
    metrics.WEBHOOKS.labels(label, "too_large").inc()
    log.warning("webhook.rejected", connector=name, status=413, reason="body too large")
    return 413, {"error": f"body larger than {limit} bytes"}


async def answer_body(
    intake: Intake, name: str, headers: Mapping[str, str], body: bytes
) -> tuple[int, dict[str, str]]:
    """Verify, parse and persist a delivery whose body is read; (HTTP status, JSON body)."""
    service = intake.service
    try:
        result = None
        if service.receives_offline(name):
            with contextlib.suppress(NeedsThread):  # this one needs a call after all
                result = service.receive(name, headers, body)  # CPU only: no thread hop
        if result is None:
            # the connector may call its vendor while parsing: not on the event loop
            result = await anyio.to_thread.run_sync(service.receive, name, headers, body)
        fresh = await intake.submit(name, result)
    except WebhookError as exc:
        label = name if name in service.connectors else "unknown"
        metrics.WEBHOOKS.labels(label, f"rejected_{exc.status}").inc()
        log.warning("webhook.rejected", connector=name, status=exc.status, reason=exc.reason)
        return exc.status, {"error": exc.reason}
    return ACCEPTED if fresh else DUPLICATE


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
        msg = await receive()
        if msg["type"] == "http.request" and not msg.get("more_body", False):
            # the whole body in one message, as uvicorn gives a body it has read at once
            body = msg.get("body", b"")
            if len(body) > self.limit:
                status, doc = refuse_too_large(self.intake, name, self.limit)
            else:
                status, doc = await answer_body(self.intake, name, headers, body)
        else:
            status, doc = await answer(
                self.intake, name, headers, _chunks(msg, receive), self.limit
            )
        raw = _encoded(doc)
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


_ENCODED = [(doc, json.dumps(doc).encode()) for _, doc in (ACCEPTED, DUPLICATE)]


def _encoded(doc: dict[str, str]) -> bytes:
    for known, raw in _ENCODED:
        if doc is known:
            return raw
    return json.dumps(doc).encode()


async def _chunks(first: MutableMapping[str, Any], receive: Receive) -> AsyncIterator[bytes]:
    """The body's chunks, from the message already received on."""
    msg = first
    while msg["type"] == "http.request":
        yield msg.get("body", b"")
        if not msg.get("more_body", False):
            return
        msg = await receive()
    # anything else: the client went away
