"""What every connector's ``webhooks.py`` shares to read a vendor's delivery: a header by
case-insensitive name, and the body as a JSON object (``WebhookError(400)`` when it is not
one). Both run on the event loop for every delivery, so both take the quick way first.

A connector that says its webhooks are offline (``webhooks_offline()``) is verified and
parsed on the event loop. Should one delivery need a call to the vendor after all (a name
not seen yet), its parser raises :class:`NeedsThread` there (:func:`on_event_loop` tells
it where it runs), and the daemon runs it again on a thread, where the call may wait."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, TypeVar

import pydantic
import pydantic_core

from syncd.errors import WebhookError

T = TypeVar("T")


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A delivery's header by case-insensitive name. ASGI servers give names in lower case,
    so that spelling is looked up first, before a scan for any other."""
    lowered = name.lower()
    found = headers.get(lowered)
    if found is not None:
        return found
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def json_object(body: bytes, what: str = "body") -> dict[str, Any]:
    """A delivery's ``body`` as a JSON object; ``WebhookError(400)`` when it is not one.

    Decoded by pydantic-core's parser, with object keys cached: on a 13.5 KB GitHub
    ``issues`` payload it takes about 40% of the standard library's time, and every
    delivery is decoded on the event loop."""
    try:
        payload = pydantic_core.from_json(body, cache_strings="keys")
    except ValueError as exc:
        raise WebhookError(400, f"{what} is not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise WebhookError(400, f"{what} is not a JSON object")
    return payload


def json_shaped(body: bytes, shape: pydantic.TypeAdapter[T], what: str = "body") -> T:
    """A delivery's ``body`` decoded straight into ``shape``; ``WebhookError(400)`` when it
    is not JSON, not an object, or a field the shape names has the wrong type.

    ``shape`` is a ``TypedDict`` naming only the fields a connector reads: the parser skips
    every other one without building it. A GitHub ``issues`` delivery is 7 KB, two thirds of
    it the repository and the sender, of which syncd reads one name each; decoded into its
    shape it takes 4.5 µs against 10.6 for the whole payload (BENCHMARKS.md, figure 1)."""
    try:
        return shape.validate_json(body)
    except pydantic.ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        if first["type"] == "json_invalid":
            raise WebhookError(400, f"{what} is not JSON: {first['msg']}") from None
        if not first["loc"]:
            raise WebhookError(400, f"{what} is not a JSON object") from None
        where = ".".join(str(part) for part in first["loc"])
        raise WebhookError(400, f"{what}: {where}: {first['msg']}") from None


class NeedsThread(Exception):
    """Raised by a connector's webhook parser on the event loop when this delivery needs a
    call to the vendor: the daemon runs the parser again on a thread."""


def on_event_loop() -> bool:
    """Whether the caller runs on a thread's running event loop, where a remote call would
    hold up every other delivery."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
