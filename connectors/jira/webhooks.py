"""Verify and parse Jira webhook deliveries (Cloud and Data Center, old Server payloads too).

Jira sends ``X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, body)>`` when the webhook was
registered with a secret. Bodies use the REST v2 representation on every flavour, so
descriptions and comments arrive as wiki markup.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from connectors.jira import mapping
from syncd.connector import WebhookResult
from syncd.errors import WebhookError
from syncd.model import Change, ChangeKind, Comment, Priority, Ref
from syncd.webhooks import header, json_object

SIGNATURE = "x-hub-signature"
IDENTIFIER = "x-atlassian-webhook-identifier"

_COMMENT_TYPES = {"issue_commented", "issue_comment_edited"}


def sign(secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature`` value Jira sends for ``body``."""
    return "sha256=" + hmac.digest(secret.encode(), body, hashlib.sha256).hex()


def verify(secret: str | None, headers: Mapping[str, str], body: bytes) -> None:
    """Raise ``WebhookError(401)`` unless the signature matches (no secret: accept)."""
    if not secret:
        return
    given = header(headers, SIGNATURE)
    if not given:
        raise WebhookError(401, "missing X-Hub-Signature")
    if not hmac.compare_digest(given.strip().encode(), sign(secret, body).encode()):
        raise WebhookError(401, "X-Hub-Signature does not match")


@dataclass(frozen=True)
class Context:
    """What parsing needs to know about the connector instance."""

    connector: str
    base_url: str
    priorities: Mapping[Priority, str]
    bot: Iterable[str] = ()


def delivery_id(headers: Mapping[str, str], payload: Mapping[str, Any]) -> str:
    """Jira Cloud's webhook identifier, else a stable hash of what identifies the event."""
    given = header(headers, IDENTIFIER)
    if given:
        return given
    issue = payload.get("issue") or {}
    comment = payload.get("comment") or {}
    changelog = payload.get("changelog") or {}
    parts = (
        payload.get("webhookEvent"),
        payload.get("timestamp"),
        issue.get("id"),
        comment.get("id"),
        changelog.get("id"),
    )
    return "jira-" + hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def parse(ctx: Context, headers: Mapping[str, str], body: bytes) -> WebhookResult:
    """Turn one delivery into changes; ``WebhookError(400)`` when it is not Jira JSON."""
    payload = json_object(body)
    if "webhookEvent" not in payload:
        raise WebhookError(400, "not a Jira webhook: no webhookEvent")
    event = str(payload["webhookEvent"])
    try:
        changes = _changes(ctx, event, payload)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise WebhookError(400, f"malformed {event} payload: {exc!r}") from exc
    return WebhookResult(delivery_id=delivery_id(headers, payload), event=event, changes=changes)


def _changes(ctx: Context, event: str, payload: dict[str, Any]) -> list[Change]:
    issue_raw = payload.get("issue")
    comment_raw = payload.get("comment")
    at = mapping.parse_time(payload.get("timestamp"))
    actor = mapping.user_name(payload.get("user")) or None
    if comment_raw and not actor:
        who = comment_raw.get("updateAuthor") or comment_raw.get("author")
        actor = mapping.user_name(who) or None
    common: dict[str, Any] = {"actor": actor, "at": at, "source": "webhook"}
    if not issue_raw or "key" not in issue_raw:
        # Server's comment_* events carry no issue; the paired jira:issue_updated does
        return []
    ref = Ref.issue(ctx.connector, issue_raw["key"])

    if event == "jira:issue_deleted":
        return [Change(kind=ChangeKind.DELETED, ref=ref, **common)]
    if event.startswith("comment_"):
        comment = _comment(ctx, ref, issue_raw, comment_raw or {})
        kind = ChangeKind.COMMENT_DELETED if event == "comment_deleted" else ChangeKind.COMMENT
        return [Change(kind=kind, ref=ref, comment=comment, **common)]

    issue = mapping.issue_from_raw(
        ctx.connector, issue_raw, base_url=ctx.base_url, priorities=ctx.priorities
    )
    changes: list[Change] = []
    items = (payload.get("changelog") or {}).get("items") or []
    moved_from = next(
        (i.get("fromString") for i in items if str(i.get("field", "")).lower() == "key"), None
    )
    if moved_from and moved_from != issue_raw["key"]:
        old = Ref.issue(ctx.connector, moved_from)
        changes.append(Change(kind=ChangeKind.MOVED, ref=old, new_ref=ref, **common))
    if event in ("jira:issue_created", "jira:issue_updated"):
        changes.append(Change(kind=ChangeKind.UPSERT, ref=ref, issue=issue, **common))
    type_name = payload.get("issue_event_type_name")
    if comment_raw and (type_name in _COMMENT_TYPES or type_name is None):
        comment = _comment(ctx, ref, issue_raw, comment_raw)
        changes.append(Change(kind=ChangeKind.COMMENT, ref=ref, comment=comment, **common))
    elif type_name == "issue_comment_deleted" or (
        event == "jira:issue_updated" and not items and not comment_raw and type_name is None
    ):
        # which comment went is not said: ask the engine to read the issue's comments again
        changes.append(Change(kind=ChangeKind.TOUCHED, ref=ref, **common))
    return changes


def _comment(
    ctx: Context, ref: Ref, issue_raw: Mapping[str, Any], raw: Mapping[str, Any]
) -> Comment:
    issue_id = issue_raw.get("id") or mapping.issue_id_from_comment(raw) or issue_raw["key"]
    return mapping.comment_from_raw(ctx.connector, ref, issue_id, raw, bot=ctx.bot)
