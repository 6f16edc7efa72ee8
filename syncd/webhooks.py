"""What every connector's ``webhooks.py`` shares to read a vendor's delivery: a header by
case-insensitive name, the body decoded into a declared :class:`Shape` (``WebhookError(400)``
naming the first field that is wrong), and strict leaf types for ids and timestamps.

A connector that says its webhooks are offline (``webhooks_offline()``) is verified and
parsed on the event loop. Should one delivery need a call to the vendor after all (a name
not seen yet), its parser raises :class:`NeedsThread` there (:func:`on_event_loop` tells
it where it runs), and the daemon runs it again on a thread, where the call may wait."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import pydantic
import pydantic_core
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from syncd.errors import WebhookError

S = TypeVar("S", bound="Shape")
T = TypeVar("T")

# the largest id any vendor hands out fits a signed 64-bit column; past it a number is hostile
MAX_ID = 2**63 - 1
PositiveId = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
"""A vendor's numeric id: a JSON integer (never a float, a string or a bool), 1..2**63-1."""


def _not_null(value: T) -> T:
    if value is None:
        raise ValueError("may be left out, but not null")
    return value


Omittable = Annotated[T | None, AfterValidator(_not_null)]
"""A field a payload may leave out (then it reads None) but never sends as ``null``."""


class Shape(BaseModel):
    """Base of a declared webhook payload: leaves are strict (a number is never read from a
    string, nor a string from a number), and fields the shape does not name are skipped
    unread, since vendors add fields to their payloads as they like."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)

    def raw(self) -> dict[str, Any]:
        """The fields the payload carried, as the JSON objects a mapping reads."""
        return self.model_dump(exclude_unset=True, by_alias=True)


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
    """A delivery's ``body`` as a JSON object; ``WebhookError(400)`` when it is not one."""
    try:
        payload = pydantic_core.from_json(body, cache_strings="keys")
    except ValueError as exc:
        # also numbers past what Python reads (an integer of more than 4300 digits)
        raise WebhookError(400, f"{what} is not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise WebhookError(400, f"{what} is not a JSON object")
    return payload


def decode(body: bytes, shape: type[S], what: str = "body") -> S:
    """A delivery's ``body`` decoded into ``shape``; ``WebhookError(400)`` when it is not
    JSON, not an object, or a field the shape names is missing or of the wrong type."""
    try:
        return shape.model_validate_json(body)
    except pydantic.ValidationError as exc:
        raise refusal(exc, what) from None


def validate(data: Any, shape: type[S], what: str = "body") -> S:
    """:func:`decode` of a body already decoded from JSON."""
    try:
        return shape.model_validate(data)
    except pydantic.ValidationError as exc:
        raise refusal(exc, what) from None


def refusal(exc: pydantic.ValidationError, what: str = "body") -> WebhookError:
    """``WebhookError(400)`` naming the first wrong field of a payload and what is wrong."""
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    if first["type"] == "json_invalid":
        return WebhookError(400, f"{what} is not JSON: {first['msg']}")
    if not first["loc"] and first["type"] in ("model_type", "model_attributes_type"):
        return WebhookError(400, f"{what} is not a JSON object")
    where = field_path(first["loc"]) or what
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    message = first["msg"].removeprefix("Value error, ")
    return WebhookError(400, f"{what}: {where}: {message}{more}")


def field_path(loc: Sequence[int | str]) -> str:
    """A validation error's location as a field path: ``issue.labels[0].name``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def aware_time(
    parse: Callable[[str], datetime | None], what: str = "a timestamp"
) -> AfterValidator:
    """A validator for a timestamp kept as the vendor wrote it: ``parse`` must read it as a
    time with a zone that converts to UTC (a date at the calendar's edge does not)."""

    def check(value: str) -> str:
        try:
            parsed = parse(value)
            if parsed is not None:
                parsed.astimezone(UTC)
        except (ValueError, OverflowError):
            raise ValueError(f"not {what}") from None
        if parsed is not None and parsed.utcoffset() is None:
            raise ValueError(f"not {what}: no time zone")
        return value

    return AfterValidator(check)


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
