"""Verify and parse Zendesk webhook deliveries.

Zendesk signs ``base64(HMAC-SHA256(key=signing secret as UTF-8, msg=timestamp + raw body))``
into ``X-Zendesk-Webhook-Signature``, the timestamp (ISO 8601) being the
``X-Zendesk-Webhook-Signature-Timestamp`` header. An older revision of Zendesk's page put the
timestamp after the body; the current one, followed here, puts it first.

Two body shapes arrive: event-subscribed webhooks (``"type": "zen:event-type:ticket.*"`` with
``detail`` and ``event``) and the free-form JSON an admin writes in a trigger, of which we
only need ``{"ticket_id": N}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Any

from syncd.connector import WebhookResult
from syncd.errors import WebhookError
from syncd.model import Change, ChangeKind, Comment, Ref
from syncd.webhooks import header, json_object

from .mapping import Context, Names, parse_time, ticket_from_detail

SIGNATURE = "x-zendesk-webhook-signature"
TIMESTAMP = "x-zendesk-webhook-signature-timestamp"
WEBHOOK_ID = "x-zendesk-webhook-id"
EVENT_PREFIX = "zen:event-type:ticket."
_DELETED = {"soft_deleted", "permanently_deleted", "marked_as_spam"}


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
    return parse_payload(headers, json_object(body), ctx, names)


def requester_id(payload: Mapping[str, Any]) -> Any:
    """``detail.requester_id`` of a decoded event body, if it has one."""
    detail = payload.get("detail")
    return detail.get("requester_id") if isinstance(detail, dict) else None


def parse_payload(
    headers: Mapping[str, str],
    payload: Mapping[str, Any],
    ctx: Context,
    names: Names | None = None,
) -> WebhookResult:
    """:func:`parse` of a body already decoded (a JSON object)."""
    try:
        if "type" in payload and "detail" in payload:
            return _parse_event(payload, ctx, names or Names())
        if "ticket_id" in payload:
            return _parse_trigger(headers, payload, ctx)
    except (KeyError, TypeError, ValueError) as exc:
        raise WebhookError(400, f"malformed Zendesk event: {exc}") from None
    raise WebhookError(400, "neither a ticket event nor a trigger body with ticket_id")


def _parse_trigger(
    headers: Mapping[str, str], payload: Mapping[str, Any], ctx: Context
) -> WebhookResult:
    ticket_id = int(str(payload["ticket_id"]).strip())
    ref = Ref.ticket(ctx.connector, ticket_id)
    # trigger bodies have no delivery id of their own; Zendesk's invocation id is unique
    delivery = header(headers, "x-zendesk-webhook-invocation-id")
    change = Change(kind=ChangeKind.TOUCHED, ref=ref, source="webhook")
    return WebhookResult(delivery_id=delivery, event="trigger", changes=(change,))


def _missing(detail: Mapping[str, Any], names: Names) -> frozenset[str]:
    """Fields a webhook snapshot does not carry: custom fields never, group and
    organization names only when seen in an earlier read."""
    missing = {"fields"}
    for key, field, known in (
        ("group_id", "group", names.groups),
        ("organization_id", "organization", names.organizations),
    ):
        raw = detail.get(key)
        if raw is not None and str(raw).isdigit() and int(raw) not in known:
            missing.add(field)
    return frozenset(missing)


def _parse_event(payload: Mapping[str, Any], ctx: Context, names: Names) -> WebhookResult:
    event_type = str(payload["type"])
    delivery = str(payload["id"]) if payload.get("id") is not None else None
    if not event_type.startswith(EVENT_PREFIX):
        return WebhookResult(delivery_id=delivery, event=event_type)
    name = event_type.removeprefix(EVENT_PREFIX)
    detail = payload["detail"]
    if not isinstance(detail, Mapping):
        raise TypeError("detail is not an object")
    ticket = ticket_from_detail(detail, ctx, names)
    event = payload.get("event") or {}
    actor = _actor(detail, event)
    at = ticket.updated_at or parse_time(payload.get("time"))
    if name in _DELETED:
        gone = Change(kind=ChangeKind.DELETED, ref=ticket.ref, actor=actor, at=at, source="webhook")
        return WebhookResult(delivery_id=delivery, event=event_type, changes=(gone,))
    changes = [
        Change(
            kind=ChangeKind.UPSERT,
            ref=ticket.ref,
            ticket=ticket,
            actor=actor,
            at=at,
            source="webhook",
            partial=_missing(detail, names),
        )
    ]
    if name == "comment_added":
        comment = _comment(event["comment"], ticket.ref, ctx, names, at)
        changes.append(
            Change(
                kind=ChangeKind.COMMENT,
                ref=ticket.ref,
                comment=comment,
                actor=actor,
                at=at,
                source="webhook",
            )
        )
    return WebhookResult(delivery_id=delivery, event=event_type, changes=tuple(changes))


def _actor(detail: Mapping[str, Any], event: Mapping[str, Any]) -> str | None:
    comment = event.get("comment") if isinstance(event, Mapping) else None
    if isinstance(comment, Mapping):
        author = comment.get("author") or {}
        if author.get("id") is not None:
            return str(author["id"])
    actor = detail.get("actor_id")
    return str(actor) if actor not in (None, "") else None


def _comment(raw: Mapping[str, Any], parent: Ref, ctx: Context, names: Names, at: Any) -> Comment:
    author = raw.get("author") or {}
    author_id = int(author["id"]) if author.get("id") is not None else None
    name = author.get("name") or (names.users.get(author_id) if author_id else None)
    return Comment(
        ref=Ref.comment(ctx.connector, raw["id"]),
        parent=parent,
        author=str(name or author_id or ""),
        body=str(raw.get("body") or ""),
        public=bool(raw.get("is_public", False)),
        created_at=at,
        updated_at=at,
        by_syncd=author_id is not None and author_id == ctx.bot_id,
    )
