"""Answering one webhook delivery: ``POST /webhooks/{name}``, served by the app's FastAPI route.

The body is read up to the size limit (413 beyond), verified and parsed by its connector (on
the event loop when the connector needs no call to its vendor, else on a thread), and
persisted through the :class:`~syncd.daemon.intake.Intake` (group commit) before the answer:
202 new, 200 a repeat, the connector's 4xx for a bad delivery, 503 when the store failed.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping

import anyio.to_thread
import structlog
from starlette.requests import ClientDisconnect

from syncd import metrics
from syncd.daemon.intake import Intake
from syncd.errors import WebhookError
from syncd.webhooks import NeedsThread

log = structlog.get_logger("syncd.app")


# the answers nearly every delivery gets
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
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    too_large = True
                    break
                parts.append(chunk)
        except ClientDisconnect:
            log.info("webhook.abandoned", connector=name, reason="client went away")
            return 400, {"error": "the client went away before its body was read"}
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
