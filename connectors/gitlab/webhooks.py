"""GitLab webhook deliveries: the secret token check and parsing into changes.

GitLab sends the webhook's secret token as it is in ``X-Gitlab-Token`` (no signature of the
body), names the event in ``X-Gitlab-Event`` (``Issue Hook``, ``Note Hook``, and their
``Confidential`` forms for confidential issues and internal notes) and marks a delivery with
``Idempotency-Key`` (the same on a retry, from GitLab 17.4) and ``X-Gitlab-Event-UUID``.

A delivery is decoded into a declared shape with GitLab's types, naming only the fields the
mapping reads; a field of the wrong type is a 400 that names it. Payloads write times both
as ``2013-12-03T17:15:43Z`` and as ``2015-05-17 17:06:40 UTC``; both are read.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field

from syncd.connector import WebhookResult
from syncd.errors import WebhookError
from syncd.model import Change, ChangeKind
from syncd.webhooks import Omittable, PositiveId, Shape, aware_time, decode, header, json_object

from .mapping import Rules, comment_from_raw, issue_from_raw, parse_time

TOKEN_HEADER = "X-Gitlab-Token"
ISSUE_EVENTS = frozenset({"Issue Hook", "Confidential Issue Hook"})
NOTE_EVENTS = frozenset({"Note Hook", "Confidential Note Hook"})
# issue fields a hook does not carry as the REST answer does: the milestone is only an id
PARTIAL = frozenset({"milestone"})

Timestamp = Annotated[str, aware_time(parse_time, "a GitLab time")]
# a GitLab path segment starts with a letter, a digit or "_" (never "." nor "-")
_SEGMENT = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}"
ProjectPath = Annotated[str, Field(pattern=rf"^{_SEGMENT}(/{_SEGMENT}){{1,20}}$")]


class User(Shape):
    username: str


class Project(Shape):
    path_with_namespace: ProjectPath


class Label(Shape):
    title: str


class IssueAttributes(Shape):
    """An issue as hooks carry it: ``object_attributes`` of an Issue Hook, ``issue`` of a
    Note Hook (which carries neither ``action`` nor ``url``)."""

    iid: PositiveId
    title: Omittable[str] = None
    description: str | None = None
    state: Omittable[Literal["opened", "closed"]] = None
    labels: Omittable[list[Label]] = None
    url: Omittable[str] = None
    created_at: Omittable[Timestamp] = None
    updated_at: Omittable[Timestamp] = None
    action: Omittable[str] = None


class IssuePayload(Shape):
    object_kind: Literal["issue"]
    user: User | None = None
    project: Project
    object_attributes: IssueAttributes
    assignees: Omittable[list[User]] = None
    changes: Omittable[dict[str, Any]] = None  # field -> {previous, current}


class NoteAttributes(Shape):
    id: PositiveId
    note: str
    noteable_type: str
    created_at: Omittable[Timestamp] = None
    updated_at: Omittable[Timestamp] = None
    system: Omittable[bool] = None
    internal: bool | None = None
    confidential: bool | None = None
    action: Omittable[str] = None


class NotePayload(Shape):
    object_kind: Literal["note"]
    user: User
    project: Project
    object_attributes: NoteAttributes
    issue: Omittable[IssueAttributes] = None


def verify(headers: Mapping[str, str], secret: str) -> None:
    """Raise ``WebhookError(401)`` unless ``X-Gitlab-Token`` is the secret, compared in
    constant time."""
    given = header(headers, TOKEN_HEADER)
    if given is None:
        raise WebhookError(401, f"missing {TOKEN_HEADER}")
    if not hmac.compare_digest(given.encode("utf-8", "replace"), secret.encode()):
        raise WebhookError(401, f"{TOKEN_HEADER} does not match the webhook secret")


def delivery_id(headers: Mapping[str, str]) -> str | None:
    """What tells one delivery from another: GitLab repeats ``Idempotency-Key`` on a retry."""
    return header(headers, "Idempotency-Key") or header(headers, "X-Gitlab-Event-UUID")


def parse(headers: Mapping[str, str], body: bytes, rules: Rules) -> WebhookResult:
    """Turn a verified delivery into changes; ``WebhookError(400)`` when malformed."""
    event = header(headers, "X-Gitlab-Event") or ""
    delivery = delivery_id(headers)
    if not event:
        raise WebhookError(400, "missing X-Gitlab-Event")
    if event in ISSUE_EVENTS:
        changes = issue_changes(decode(body, IssuePayload), rules)
    elif event in NOTE_EVENTS:
        changes = note_changes(decode(body, NotePayload), rules, internal=event != "Note Hook")
    else:
        json_object(body)  # push, merge request, pipeline, ...: not syncd's
        changes = []
    return WebhookResult(delivery_id=delivery, event=event, changes=tuple(changes))


def rest_issue(attrs: IssueAttributes, assignees: list[User] | None = None) -> dict[str, Any]:
    """A hook's issue in the REST form :func:`~.mapping.issue_from_raw` reads."""
    raw = attrs.raw()
    raw["labels"] = [label.title for label in attrs.labels or ()]
    raw["web_url"] = attrs.url or ""
    if assignees is not None:
        raw["assignees"] = [{"username": a.username} for a in assignees]
    return raw


def issue_changes(payload: IssuePayload, rules: Rules) -> list[Change]:
    """An Issue Hook: the issue's snapshot (open, update, close, reopen alike)."""
    attrs = payload.object_attributes
    project = payload.project.path_with_namespace
    if attrs.state is None or attrs.title is None:
        raise WebhookError(400, "body: object_attributes: the issue's state and title are needed")
    issue = issue_from_raw(rest_issue(attrs, payload.assignees), rules, project)
    actor = payload.user.username if payload.user else None
    # the hook names a milestone only by id: a changed one has the issue read again (its
    # milestone's title and due date)
    again = [Change(kind=ChangeKind.TOUCHED, ref=issue.ref, actor=actor, source="webhook")]
    return [
        Change(
            kind=ChangeKind.UPSERT,
            ref=issue.ref,
            issue=issue,
            actor=actor,
            at=issue.updated_at,
            source="webhook",
            partial=PARTIAL,
        ),
        *(again if "milestone_id" in (payload.changes or {}) else []),
    ]


def note_changes(payload: NotePayload, rules: Rules, *, internal: bool) -> list[Change]:
    """A Note Hook on an issue: the note; notes on merge requests, commits and snippets,
    and GitLab's own system notes, are not syncd's."""
    attrs = payload.object_attributes
    if attrs.noteable_type != "Issue" or attrs.system:
        return []
    if payload.issue is None:
        raise WebhookError(400, "body: issue: Field required for a note on an issue")
    project = payload.project.path_with_namespace
    raw = {
        "id": attrs.id,
        "body": attrs.note,
        "author": {"username": payload.user.username},
        "created_at": attrs.created_at,
        "updated_at": attrs.updated_at,
        "internal": internal or bool(attrs.internal or attrs.confidential),
    }
    comment = comment_from_raw(raw, rules, project, payload.issue.iid)
    return [
        Change(
            kind=ChangeKind.COMMENT,
            ref=comment.parent,
            comment=comment,
            actor=payload.user.username,
            at=comment.updated_at,
            source="webhook",
        )
    ]
