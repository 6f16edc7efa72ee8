"""Verify and parse Jira webhook deliveries (Cloud and Data Center, old Server payloads too).

Jira sends ``X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, body)>`` when the webhook was
registered with a secret. Bodies use the REST v2 representation on every flavour, so
descriptions and comments arrive as wiki markup.

A delivery is decoded into :class:`Payload`, which declares with Jira's types only the
fields syncd reads. Shapes Jira really sends are accepted on purpose: ``timestamp`` in epoch
milliseconds; no ``issue_event_type_name`` in old Server payloads; no ``issue`` in Server's
``comment_*`` events; an issue whose ``fields`` leave some out (Cloud's comment events, an
assignment), whose absent fields the change marks as ``partial``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal

from pydantic import Field

from connectors.jira import mapping
from syncd import model
from syncd.connector import WebhookResult
from syncd.errors import WebhookError
from syncd.model import Change, ChangeKind, Priority, Ref
from syncd.webhooks import Omittable, Shape, aware_time, decode, header

SIGNATURE = "x-hub-signature"
IDENTIFIER = "x-atlassian-webhook-identifier"

COMMENT_TYPES = {"issue_commented", "issue_comment_edited"}
UPSERTS = {"jira:issue_created", "jira:issue_updated"}  # deliveries with the issue's snapshot
# 9999-12-31T23:59:59.999Z: the last millisecond a date holds
MAX_MILLIS = 253_402_300_799_999

Timestamp = Annotated[str, aware_time(mapping.parse_time, "a Jira time")]
EpochMillis = Annotated[int, Field(ge=0, le=MAX_MILLIS)]
NumericId = Annotated[str, Field(pattern=r"^[0-9]{1,18}$")]
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}-[0-9]{1,18}$")
IssueKey = Annotated[str, Field(pattern=_KEY.pattern)]


class User(Shape):
    accountId: Omittable[str] = None
    name: Omittable[str] = None
    key: Omittable[str] = None
    displayName: Omittable[str] = None


class Named(Shape):
    name: str


class Version(Shape):
    name: str
    releaseDate: Omittable[str | None] = None  # the date the customer is told


class Category(Shape):
    key: Literal["new", "indeterminate", "done", "undefined"]


class Status(Shape):
    name: Omittable[str] = None
    statusCategory: Omittable[Category] = None  # very old servers send none


class Attachment(Shape):
    id: NumericId
    filename: str
    mimeType: Omittable[str] = None
    size: Omittable[int] = None
    content: Omittable[str] = None
    author: User | None = None


class Fields(Shape):
    summary: str
    status: Status
    description: str | None = None
    resolution: Named | None = None
    priority: Named | None = None
    labels: Omittable[list[str]] = None
    assignee: User | None = None
    reporter: User | None = None  # Jira Service Management: the customer
    fixVersions: Omittable[list[Version]] = None
    created: Omittable[Timestamp] = None
    updated: Omittable[Timestamp] = None
    attachment: Omittable[list[Attachment]] = None


# canonical issue fields a snapshot lacks when Jira leaves these out of ``fields``
_PARTIAL = {
    "description": "body",
    "priority": "priority",
    "labels": "labels",
    "assignee": "assignee",
    "fixVersions": "milestone",
    "created": "created_at",
    "attachment": "files",
}


class Issue(Shape):
    key: IssueKey
    id: Omittable[NumericId] = None
    fields: Omittable[Fields] = None


class Comment(Shape):
    id: NumericId
    body: Omittable[str] = None
    author: User | None = None
    updateAuthor: User | None = None
    visibility: dict[str, Any] | None = None  # restricted to a role or group: not public
    jsdPublic: Omittable[bool] = None
    created: Omittable[Timestamp] = None
    updated: Omittable[Timestamp] = None
    url: Omittable[str] = Field(default=None, alias="self")


class Item(Shape):
    field: str
    fromString: str | None = None


class Changelog(Shape):
    id: Omittable[str] = None
    items: Omittable[list[Item]] = None


class Payload(Shape):
    webhookEvent: str
    timestamp: EpochMillis
    issue_event_type_name: Omittable[str] = None
    user: User | None = None
    issue: Omittable[Issue] = None
    comment: Omittable[Comment] = None
    changelog: Omittable[Changelog] = None


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
    field_ids: tuple[str, ...] = ()  # mapped fields (routes' ``fields``) the snapshot holds
    # fills ``Issue.fields`` from the raw issue (the connector's field catalog)
    enrich: Callable[[model.Issue, Mapping[str, Any]], model.Issue] | None = None
    raw_fields: Mapping[str, Any] | None = None  # the delivery's issue fields, as sent


def delivery_id(headers: Mapping[str, str], payload: Payload) -> str:
    """Jira Cloud's webhook identifier, else a stable hash of what identifies the event."""
    given = header(headers, IDENTIFIER)
    if given:
        return given
    parts = (
        payload.webhookEvent,
        payload.timestamp,
        payload.issue.id if payload.issue else None,
        payload.comment.id if payload.comment else None,
        payload.changelog.id if payload.changelog else None,
    )
    return "jira-" + hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def parse(ctx: Context, headers: Mapping[str, str], body: bytes) -> WebhookResult:
    """Turn one delivery into changes; ``WebhookError(400)`` when it is not Jira JSON."""
    payload = decode(body, Payload)
    if ctx.enrich is not None and ctx.field_ids:
        # the declared shape skips what it does not name (custom fields): read them raw
        issue = json.loads(body).get("issue")
        fields = issue.get("fields") if isinstance(issue, dict) else None
        ctx = replace(ctx, raw_fields=fields if isinstance(fields, dict) else {})
    changes = _changes(ctx, payload)
    event = payload.webhookEvent
    return WebhookResult(delivery_id=delivery_id(headers, payload), event=event, changes=changes)


def _actor(payload: Payload) -> str | None:
    actor = mapping.user_name(payload.user.raw() if payload.user else None)
    comment = payload.comment
    if comment is not None and not actor:
        who = comment.updateAuthor or comment.author
        actor = mapping.user_name(who.raw() if who else None)
    return actor or None


def _changes(ctx: Context, payload: Payload) -> list[Change]:
    event, issue_raw, comment_raw = payload.webhookEvent, payload.issue, payload.comment
    at = mapping.parse_time(payload.timestamp)
    common: dict[str, Any] = {"actor": _actor(payload), "at": at, "source": "webhook"}
    if issue_raw is None:
        # Server's comment_* events carry no issue; the paired jira:issue_updated does
        return []
    ref = Ref.issue(ctx.connector, issue_raw.key)

    if event == "jira:issue_deleted":
        return [Change(kind=ChangeKind.DELETED, ref=ref, **common)]
    if (said := event_comment(event, comment_raw)) is not None:
        comment = _comment(ctx, ref, issue_raw, said)
        kind = ChangeKind.COMMENT_DELETED if event == "comment_deleted" else ChangeKind.COMMENT
        return [Change(kind=kind, ref=ref, comment=comment, **common)]

    changes: list[Change] = []
    items = payload.changelog.items if payload.changelog and payload.changelog.items else []
    moved_from = next((i.fromString for i in items if i.field.lower() == "key"), None)
    if moved_from and moved_from != issue_raw.key:
        old = Ref.issue(ctx.connector, _old_key(moved_from))
        changes.append(Change(kind=ChangeKind.MOVED, ref=old, new_ref=ref, **common))
    if event in UPSERTS:
        changes.append(_upsert(ctx, ref, issue_raw, common))
    type_name = payload.issue_event_type_name
    if comment_raw is not None and comment_made(type_name):
        comment = _comment(ctx, ref, issue_raw, comment_raw)
        changes.append(Change(kind=ChangeKind.COMMENT, ref=ref, comment=comment, **common))
    elif type_name == "issue_comment_deleted" or (
        event == "jira:issue_updated" and not items and not comment_raw and type_name is None
    ):
        # which comment went is not said: ask the engine to read the issue's comments again
        changes.append(Change(kind=ChangeKind.TOUCHED, ref=ref, **common))
    return changes


def event_comment(event: str, comment: Comment | None) -> Comment | None:
    """The comment of a ``comment_*`` event (``WebhookError(400)`` where it has none); None
    for other events."""
    if not event.startswith("comment_"):
        return None
    if comment is None:
        raise WebhookError(400, f"body: comment: missing from {event}")
    return comment


def comment_made(type_name: str | None) -> bool:
    """Whether a ``jira:issue_*`` delivery's event type says a comment it carries was made
    or edited (old servers name no type: such a comment is taken as made)."""
    return type_name in COMMENT_TYPES or type_name is None


def _old_key(value: str) -> str:
    """The key an issue had before a move, as the changelog's ``fromString`` says it."""
    if not _KEY.match(value):
        raise WebhookError(400, "body: changelog.items: the old key is not an issue key")
    return value


def _upsert(ctx: Context, ref: Ref, issue_raw: Issue, common: dict[str, Any]) -> Change:
    """The snapshot an issue event carries; fields Jira left out are marked partial."""
    fields = issue_raw.fields
    if fields is None:
        raise WebhookError(400, "body: issue.fields: missing, the issue's snapshot is needed")
    raw = issue_raw.raw()
    issue = mapping.issue_from_raw(
        ctx.connector,
        raw,
        base_url=ctx.base_url,
        priorities=ctx.priorities,
        bot=ctx.bot,
    )
    sent = ctx.raw_fields or {}
    if ctx.enrich is not None:
        issue = ctx.enrich(issue, {**raw, "fields": sent})
    given = fields.model_fields_set
    partial = frozenset(name for field, name in _PARTIAL.items() if field not in given)
    if any(f not in sent for f in ctx.field_ids):
        partial |= {"fields"}  # mapped fields the delivery left out
    return Change(kind=ChangeKind.UPSERT, ref=ref, issue=issue, partial=partial, **common)


def _comment(ctx: Context, ref: Ref, issue_raw: Issue, raw: Comment) -> model.Comment:
    comment_raw = raw.raw()
    issue_id = issue_raw.id or mapping.issue_id_from_comment(comment_raw) or issue_raw.key
    return mapping.comment_from_raw(ctx.connector, ref, issue_id, comment_raw, bot=ctx.bot)
