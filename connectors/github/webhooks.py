"""GitHub webhook deliveries: signature check and parsing into changes.

GitHub signs ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>``, names the
event in ``X-GitHub-Event`` and the delivery in ``X-GitHub-Delivery``.

An ``issues`` or ``issue_comment`` delivery is decoded into :class:`Payload`, which declares,
with GitHub's types, only the fields the mapping reads: the rest of the payload (the whole
repository, the users, reactions) is skipped, and a field of the wrong type is a 400 that
names it. ``tests/connectors/github/test_webhook_shape.py`` records every key the mapping
reads from GitHub's published payloads and fails when the shapes leave one out.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field

from syncd.connector import WebhookResult
from syncd.errors import WebhookError
from syncd.model import Change, ChangeKind, Ref
from syncd.webhooks import Omittable, PositiveId, Shape, aware_time, decode, header, json_object

from .mapping import (
    Rules,
    comment_from_raw,
    issue_from_raw,
    issue_key,
    issue_ref,
    parse_time,
    repo_of_url,
)

SIGNATURE_HEADER = "X-Hub-Signature-256"
EVENTS = frozenset({"issues", "issue_comment"})

_NAME = r"[A-Za-z0-9_.-]{1,100}"
_REPO_NAME = re.compile(rf"^{_NAME}/{_NAME}$")
Timestamp = Annotated[str, aware_time(parse_time, "an ISO 8601 time")]
RepoName = Annotated[str, Field(pattern=_REPO_NAME.pattern)]
# the API URL of an issue, whose number becomes part of the ref
IssueUrl = Annotated[str, Field(pattern=rf"/repos/{_NAME}/{_NAME}/issues/[0-9]{{1,18}}$")]


class Login(Shape):
    login: str


class Repository(Shape):
    full_name: RepoName


class Label(Shape):
    name: str


class Milestone(Shape):
    title: str
    due_on: Omittable[str | None] = None  # its date comes with the milestone


class Issue(Shape):
    """An issue as ``issues`` and ``issue_comment`` deliveries carry it; some actions
    (pinned, unpinned) send it without its state, which is then read again."""

    number: PositiveId
    title: Omittable[str] = None
    body: str | None = None
    state: Omittable[Literal["open", "closed"]] = None
    state_reason: str | None = None  # an open set: GitHub adds reasons (``duplicate``)
    labels: Omittable[list[Label]] = None
    assignee: Login | None = None
    milestone: Milestone | None = None
    html_url: Omittable[str] = None
    url: Omittable[str] = None
    repository_url: Omittable[str] = None
    created_at: Omittable[Timestamp] = None
    updated_at: Omittable[Timestamp] = None
    pull_request: dict[str, Any] | None = None  # only its presence is read


class Comment(Shape):
    id: PositiveId
    issue_url: IssueUrl
    body: Omittable[str] = None
    user: Login | None = None
    created_at: Omittable[Timestamp] = None
    updated_at: Omittable[Timestamp] = None


class Number(Shape):
    number: PositiveId


class Changes(Shape):
    """What changed: the old title or body of an edit (not read), or where a transferred
    issue went."""

    new_repository: Omittable[Repository] = None
    new_issue: Omittable[Number] = None


class Payload(Shape):
    """An ``issues`` or ``issue_comment`` delivery."""

    action: str
    issue: Issue
    comment: Omittable[Comment] = None
    changes: Omittable[Changes] = None
    repository: Repository | None = None
    sender: Login | None = None


def _digest(secret: str, body: bytes) -> bytes:
    return hmac.digest(secret.encode(), body, hashlib.sha256)


def sign(secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value GitHub sends for ``body``."""
    return f"sha256={_digest(secret, body).hex()}"


def verify(headers: Mapping[str, str], body: bytes, secret: str) -> None:
    """Raise ``WebhookError(401)`` unless the signature matches, compared in constant time."""
    given = header(headers, SIGNATURE_HEADER)
    if not given:
        raise WebhookError(401, f"missing {SIGNATURE_HEADER}")
    want = _digest(secret, body)
    scheme, _, hexdigest = given.strip().partition("=")
    try:
        got = bytes.fromhex(hexdigest)
    except ValueError:
        got = b""
    # the digests are compared whatever the scheme says, so a wrong one costs the same time
    if not (hmac.compare_digest(got, want) and scheme == "sha256"):
        raise WebhookError(401, f"{SIGNATURE_HEADER} does not match")


def parse(headers: Mapping[str, str], body: bytes, rules: Rules) -> WebhookResult:
    """Turn a verified delivery into changes; ``WebhookError(400)`` when malformed."""
    event = header(headers, "X-GitHub-Event") or ""
    delivery = header(headers, "X-GitHub-Delivery")
    if not event:
        raise WebhookError(400, "missing X-GitHub-Event")
    if event not in EVENTS:
        json_object(body)  # ping and every event syncd did not subscribe to
        return WebhookResult(delivery_id=delivery, event=event)
    changes = changes_of(event, decode(body, Payload), rules)
    return WebhookResult(delivery_id=delivery, event=event, changes=tuple(changes))


def changes_of(event: str, payload: Payload, rules: Rules) -> list[Change]:
    """The changes a decoded ``event`` payload carries; ``WebhookError(400)`` when malformed."""
    if payload.issue.pull_request is not None:
        return []  # pull requests share the issue events
    if event == "issues":
        return _issues(payload, rules)
    if event == "issue_comment":
        return _issue_comment(payload, rules)
    return []


def _repo(payload: Payload) -> str:
    """The repository's name; without a repository object the issue's own URL names it."""
    if payload.repository is not None:
        return payload.repository.full_name
    url = payload.issue.repository_url or payload.issue.url or ""
    try:
        repo = repo_of_url(url)
    except ValueError:
        repo = ""
    if not _REPO_NAME.match(repo):
        raise WebhookError(400, "body: repository: missing, and no issue URL names one")
    return repo


def _actor(payload: Payload) -> str | None:
    return payload.sender.login if payload.sender and payload.sender.login else None


def _issues(payload: Payload, rules: Rules) -> list[Change]:
    action, raw = payload.action, payload.issue.raw()
    repo = _repo(payload)
    # an issue read whole names its own ref: not built twice
    whole = action not in ("deleted", "transferred") and payload.issue.state is not None
    issue = issue_from_raw(raw, rules, repo) if whole else None
    ref = issue.ref if issue else issue_ref(raw, rules.instance, repo)
    actor, at = _actor(payload), parse_time(payload.issue.updated_at)
    common: dict[str, Any] = {"ref": ref, "actor": actor, "at": at, "source": "webhook"}
    if action == "deleted":
        return [Change(kind=ChangeKind.DELETED, **common)]
    if action == "transferred":
        changes = payload.changes
        if changes is None or changes.new_repository is None or changes.new_issue is None:
            raise WebhookError(400, "body: changes: a transfer names no new repository and issue")
        new_key = issue_key(changes.new_repository.full_name, changes.new_issue.number)
        new_ref = Ref.issue(rules.instance, new_key)
        return [Change(kind=ChangeKind.MOVED, new_ref=new_ref, **common)]
    if issue is None:
        # some actions (pinned, unpinned) carry a partial issue: have it read again
        return [Change(kind=ChangeKind.TOUCHED, **common)]
    return [Change(kind=ChangeKind.UPSERT, issue=issue, **common)]


def _issue_comment(payload: Payload, rules: Rules) -> list[Change]:
    if payload.comment is None:
        raise WebhookError(400, "body: comment: Field required")
    repo = _repo(payload)
    parent = issue_ref(payload.issue.raw(), rules.instance, repo)
    comment = comment_from_raw(payload.comment.raw(), rules, repo)
    if comment.parent != parent:
        raise WebhookError(400, "body: comment.issue_url: does not name the issue")
    common: dict[str, Any] = {"ref": parent, "actor": _actor(payload), "source": "webhook"}
    if payload.action in ("created", "edited"):
        return [Change(kind=ChangeKind.COMMENT, comment=comment, at=comment.updated_at, **common)]
    if payload.action == "deleted":
        # the payload carries no deletion time
        return [Change(kind=ChangeKind.COMMENT_DELETED, comment=comment, **common)]
    return []
