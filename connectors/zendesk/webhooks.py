"""Verify and parse Zendesk webhook deliveries.

Zendesk signs ``base64(HMAC-SHA256(key=signing secret as UTF-8, msg=timestamp + raw body))``
into ``X-Zendesk-Webhook-Signature``, the timestamp (ISO 8601) being the
``X-Zendesk-Webhook-Signature-Timestamp`` header. An older revision of Zendesk's page put the
timestamp after the body; the current one, followed here, puts it first.

Two body shapes arrive: event-subscribed webhooks (``"type": "zen:event-type:ticket.*"`` with
``detail`` and ``event``) and the free-form JSON an admin writes in a trigger, of which we
only need ``{"ticket_id": N}``. Each is decoded into its declared shape (:class:`TicketEvent`,
:class:`Trigger`). Ids are accepted on purpose both as JSON numbers (the REST API's way) and
as strings of digits (event webhooks write them so, and a trigger's ``{{ticket.id}}`` is
usually quoted); any other string, a float or a bool is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from syncd.connector import WebhookResult
from syncd.connector_kit import comment_seen, ticket_seen
from syncd.errors import WebhookError
from syncd.model import Change, ChangeKind, Comment, Ref
from syncd.webhooks import MAX_ID, Omittable, Shape, aware_time, header, json_object, validate

from .mapping import Context, Names, parse_time, ticket_from_detail

SIGNATURE = "x-zendesk-webhook-signature"
TIMESTAMP = "x-zendesk-webhook-signature-timestamp"
WEBHOOK_ID = "x-zendesk-webhook-id"
EVENT_PREFIX = "zen:event-type:ticket."
_DELETED = {"soft_deleted", "permanently_deleted", "marked_as_spam"}


def _digits(value: Any) -> Any:
    """A string of digits as the number it writes; anything else as it came."""
    if isinstance(value, str):
        text = value.strip()
        digits = text.removeprefix("-")
        if not digits.isascii() or not digits.isdigit() or len(digits) > 19:
            raise ValueError("not an id: a number or a string of digits")
        return int(text)
    return value


def _one_of(*names: str) -> AfterValidator:
    def check(value: str) -> str:
        if value.lower() not in names:
            raise ValueError(f"not one of {', '.join(n.upper() for n in names)}")
        return value

    return AfterValidator(check)


Id = Annotated[int, BeforeValidator(_digits), Field(ge=1, le=MAX_ID)]
# group, organization and requester ids: 0 or null when there is none
MaybeId = Annotated[int, BeforeValidator(_digits), Field(ge=0, le=MAX_ID)] | None
# who acted is only shown, never looked up: any id Zendesk writes, its own -1 too
Actor = Annotated[int, BeforeValidator(_digits), Field(ge=-1, le=MAX_ID)] | None
Timestamp = Annotated[str, aware_time(parse_time, "an ISO 8601 time")]
Status = Annotated[str, _one_of("new", "open", "pending", "hold", "solved", "closed")]
Priority = Annotated[str, _one_of("low", "normal", "high", "urgent")]


class Detail(Shape):
    """The ticket as an event webhook's ``detail`` carries it (no custom fields)."""

    id: Id
    status: Status
    subject: str | None = None
    description: str | None = None
    priority: Priority | None = None
    tags: list[str] | None = None
    group_id: MaybeId = None
    organization_id: MaybeId = None
    requester_id: MaybeId = None
    actor_id: Actor = None
    created_at: Omittable[Timestamp] = None
    updated_at: Omittable[Timestamp] = None


class Author(Shape):
    id: MaybeId = None
    name: str | None = None


class EventComment(Shape):
    id: Id
    body: str | None = None
    is_public: Omittable[bool] = None
    author: Author | None = None


class Event(Shape):
    """What happened: a comment for ``comment_added``, else what changed (not read)."""

    comment: Omittable[EventComment] = None


class TicketEvent(Shape):
    """An event-subscribed webhook about a ticket (``zen:event-type:ticket.*``)."""

    type: str
    id: str | None = None
    detail: Detail
    event: Event | None = None
    time: Omittable[Timestamp] = None


class OtherEvent(Shape):
    """An event-subscribed webhook about something else than a ticket: acknowledged."""

    type: str
    id: str | None = None


class Trigger(Shape):
    """The body an admin wrote in a trigger: only the ticket's id is read."""

    ticket_id: Id


Delivery = TicketEvent | OtherEvent | Trigger


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature Zendesk sends for ``body`` signed at ``timestamp``."""
    mac = hmac.digest(secret.encode(), timestamp.encode() + body, hashlib.sha256)
    return base64.b64encode(mac).decode()


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    *,
    max_age: float = 300.0,
    now: float | None = None,
) -> None:
    """Raise ``WebhookError(401)`` unless the delivery is signed with ``secret`` and fresh."""
    given = header(headers, SIGNATURE)
    stamp = header(headers, TIMESTAMP)
    if not given or not stamp:
        raise WebhookError(401, "missing signature")
    expected = sign(secret, stamp, body)
    # compare before looking at the clock so a forged request learns nothing from timing
    if not hmac.compare_digest(expected.encode(), given.strip().encode()):
        raise WebhookError(401, "bad signature")
    try:
        signed_at = parse_time(stamp)
    except ValueError:
        raise WebhookError(401, "stale timestamp") from None
    if signed_at is None:
        raise WebhookError(401, "stale timestamp")
    current = time.time() if now is None else now
    if abs(current - signed_at.timestamp()) > max_age:
        raise WebhookError(401, "stale timestamp")


def parse(
    headers: Mapping[str, str],
    body: bytes,
    ctx: Context,
    names: Names | None = None,
) -> WebhookResult:
    """Turn a verified delivery into changes; ``WebhookError(400)`` if it is malformed."""
    return parse_delivery(headers, read(body), ctx, names)


def read(body: bytes) -> Delivery:
    """A delivery's body decoded into the shape it has; ``WebhookError(400)`` if none."""
    payload = json_object(body)
    if "type" in payload and "detail" in payload:
        kind = payload["type"]
        if isinstance(kind, str) and kind.startswith(EVENT_PREFIX):
            return validate(payload, TicketEvent)
        return validate(payload, OtherEvent)
    if "ticket_id" in payload:
        return validate(payload, Trigger)
    raise WebhookError(400, "neither a ticket event nor a trigger body with ticket_id")


def requester_id(delivery: Delivery) -> int | None:
    """The ticket's requester in a ticket event, if it names one."""
    return delivery.detail.requester_id if isinstance(delivery, TicketEvent) else None


def parse_delivery(
    headers: Mapping[str, str],
    delivery: Delivery,
    ctx: Context,
    names: Names | None = None,
) -> WebhookResult:
    """:func:`parse` of a body already :func:`read`."""
    if isinstance(delivery, TicketEvent):
        return _parse_event(delivery, ctx, names or Names())
    if isinstance(delivery, Trigger):
        return _parse_trigger(headers, delivery, ctx)
    return WebhookResult(delivery_id=delivery.id, event=delivery.type)


def _parse_trigger(headers: Mapping[str, str], payload: Trigger, ctx: Context) -> WebhookResult:
    ref = Ref.ticket(ctx.connector, payload.ticket_id)
    # trigger bodies have no delivery id of their own; Zendesk's invocation id is unique
    delivery = header(headers, "x-zendesk-webhook-invocation-id")
    change = Change(kind=ChangeKind.TOUCHED, ref=ref, source="webhook")
    return WebhookResult(delivery_id=delivery, event="trigger", changes=(change,))


_FIELD_CHANGED = "custom_field_changed"


def _missing(detail: Detail, names: Names) -> frozenset[str]:
    """Fields a webhook snapshot does not carry: custom fields never, group and
    organization names only when seen in an earlier read."""
    missing = {"fields"}
    for ident, field, known in (
        (detail.group_id, "group", names.groups),
        (detail.organization_id, "organization", names.organizations),
    ):
        if ident and ident not in known:
            missing.add(field)
    return frozenset(missing)


def _parse_event(payload: TicketEvent, ctx: Context, names: Names) -> WebhookResult:
    event_type, delivery, detail = payload.type, payload.id, payload.detail
    name = event_type.removeprefix(EVENT_PREFIX)
    ticket = ticket_from_detail(detail.raw(), ctx, names)
    comment_raw = payload.event.comment if payload.event else None
    actor = _actor(detail, comment_raw)
    at = ticket.updated_at or parse_time(payload.time)
    if name in _DELETED:
        gone = Change(kind=ChangeKind.DELETED, ref=ticket.ref, actor=actor, at=at, source="webhook")
        return WebhookResult(delivery_id=delivery, event=event_type, changes=(gone,))
    if name == _FIELD_CHANGED and not _by_bot(detail, ctx):
        # the values are not in the delivery: read the ticket again (not for syncd's own)
        read = Change(kind=ChangeKind.TOUCHED, ref=ticket.ref, actor=actor, at=at, source="webhook")
        return WebhookResult(delivery_id=delivery, event=event_type, changes=(read,))
    changes = [
        ticket_seen(ticket, source="webhook", actor=actor, at=at, partial=_missing(detail, names))
    ]
    if name == "comment_added":
        if comment_raw is None:
            raise WebhookError(400, "body: event.comment: missing from a comment_added event")
        comment = _comment(comment_raw, ticket.ref, ctx, names, at)
        changes.append(comment_seen(ticket.ref, comment, at=at, source="webhook", actor=actor))
    return WebhookResult(delivery_id=delivery, event=event_type, changes=tuple(changes))


def _by_bot(detail: Detail, ctx: Context) -> bool:
    return ctx.bot_id is not None and str(detail.actor_id) == str(ctx.bot_id)


def _actor(detail: Detail, comment: EventComment | None) -> str | None:
    if comment is not None and comment.author is not None and comment.author.id is not None:
        return str(comment.author.id)
    return str(detail.actor_id) if detail.actor_id is not None else None


def _comment(raw: EventComment, parent: Ref, ctx: Context, names: Names, at: Any) -> Comment:
    author_id = raw.author.id if raw.author else None
    name = (raw.author.name if raw.author else None) or (
        names.users.get(author_id) if author_id else None
    )
    return Comment(
        ref=Ref.comment(ctx.connector, raw.id),
        parent=parent,
        author=str(name or author_id or ""),
        body=raw.body or "",
        public=bool(raw.is_public),
        created_at=at,
        updated_at=at,
        by_syncd=author_id is not None and author_id == ctx.bot_id,
        files=None,  # comment events name no attachments: the files are read when needed
    )
