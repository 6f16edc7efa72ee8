"""Jira Service Management deliveries: the Jira webhook (``jira:issue_*``, ``comment_*``)
read as ticket changes of the service projects.

JSM sends no webhooks of its own: a Jira site's webhook reports requests like any issue,
signed the same way (``X-Hub-Signature``), so verifying and decoding are the Jira
connector's (:mod:`connectors.jira.webhooks`). What differs is what a delivery means: a
request's snapshot becomes a :class:`~syncd.model.Ticket`, and issues of other projects are
none of this connector's business. A comment is taken as it comes only where the delivery
says whether customers see it (Cloud's ``jsdPublic``); Data Center's comment carries no such
flag, so the request is read again (``TOUCHED``) rather than an internal note guessed public.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from connectors.jira import mapping as jira
from connectors.jira.webhooks import (
    UPSERTS,
    Issue,
    Payload,
    comment_made,
    delivery_id,
    event_comment,
    sign,
    verify,
)
from connectors.jsm import mapping
from syncd.connector import WebhookResult
from syncd.errors import WebhookError
from syncd.model import Change, ChangeKind, Priority, Ref, TicketStatus
from syncd.webhooks import decode

__all__ = ["Context", "parse", "sign", "verify"]

# ticket fields a snapshot lacks when Jira leaves these issue fields out
_PARTIAL = {
    "description": "description",
    "priority": "priority",
    "labels": "tags",
    "reporter": "requester",
    "created": "created_at",
}


@dataclass(frozen=True)
class Context:
    """What parsing needs to know about the connector instance."""

    connector: str
    base_url: str
    projects: frozenset[str]
    statuses: Mapping[str, TicketStatus]
    priorities: Mapping[Priority, str]
    bot: Iterable[str] = ()


def parse(ctx: Context, headers: Mapping[str, str], body: bytes) -> WebhookResult:
    """Turn one delivery into ticket changes; ``WebhookError(400)`` when it is not Jira's."""
    payload = decode(body, Payload)
    changes = _changes(ctx, payload)
    return WebhookResult(
        delivery_id=delivery_id(headers, payload), event=payload.webhookEvent, changes=changes
    )


def _changes(ctx: Context, payload: Payload) -> list[Change]:
    event, issue, comment = payload.webhookEvent, payload.issue, payload.comment
    if issue is None or mapping.project_of(issue.key) not in ctx.projects:
        return []  # Server's comment_* events name no issue; other projects are not ours
    actor = jira.user_name(payload.user.raw() if payload.user else None) or None
    common: dict[str, Any] = {
        "actor": actor,
        "at": jira.parse_time(payload.timestamp),
        "source": "webhook",
    }
    ref = Ref.ticket(ctx.connector, issue.key)
    if event == "jira:issue_deleted":
        return [Change(kind=ChangeKind.DELETED, ref=ref, **common)]
    if event_comment(event, comment) is not None:
        return [_comment(ctx, ref, issue, payload, event, common)]
    changes: list[Change] = []
    if event in UPSERTS:
        changes.append(_upsert(ctx, ref, issue, common))
    type_name = payload.issue_event_type_name
    if comment is not None and comment_made(type_name):
        changes.append(_comment(ctx, ref, issue, payload, "comment_created", common))
    elif type_name == "issue_comment_deleted":
        changes.append(Change(kind=ChangeKind.TOUCHED, ref=ref, **common))
    return changes


def _upsert(ctx: Context, ref: Ref, issue: Issue, common: dict[str, Any]) -> Change:
    """The request's snapshot; the fields Jira left out are marked partial."""
    if issue.fields is None:
        raise WebhookError(400, "body: issue.fields: missing, the request's snapshot is needed")
    ticket = mapping.ticket_from_raw(
        ctx.connector,
        issue.raw(),
        base_url=ctx.base_url,
        statuses=ctx.statuses,
        priorities=ctx.priorities,
    )
    given = issue.fields.model_fields_set
    partial = mapping.NOT_IN_ISSUE | {n for field, n in _PARTIAL.items() if field not in given}
    return Change(kind=ChangeKind.UPSERT, ref=ref, ticket=ticket, partial=partial, **common)


def _comment(
    ctx: Context, ref: Ref, issue: Issue, payload: Payload, event: str, common: dict[str, Any]
) -> Change:
    """A comment whose visibility the delivery states, else the request to read again."""
    assert payload.comment is not None
    if payload.comment.jsdPublic is None:
        return Change(kind=ChangeKind.TOUCHED, ref=ref, **common)
    raw = payload.comment.raw()
    issue_id = issue.id or jira.issue_id_from_comment(raw) or issue.key
    comment = jira.comment_from_raw(ctx.connector, ref, issue_id, raw, bot=ctx.bot)
    kind = ChangeKind.COMMENT_DELETED if event == "comment_deleted" else ChangeKind.COMMENT
    return Change(kind=kind, ref=ref, comment=comment, **common)
