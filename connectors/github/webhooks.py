"""GitHub webhook deliveries: signature check and parsing into changes.

GitHub signs ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>``, names the
event in ``X-GitHub-Event`` and the delivery in ``X-GitHub-Delivery``.

A delivery is decoded into :data:`PAYLOAD`, which names only the fields the mapping reads:
the rest of the payload (the whole repository, the users, reactions, URLs) is skipped by the
parser. Leaves are ``Any`` so that the mapping sees what GitHub sent and judges it as it does
a REST answer; ``tests/connectors/github/test_webhook_shape.py`` records every key the mapping
reads from GitHub's published payloads and fails when the shape leaves one out.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter
from typing_extensions import TypedDict

from syncd.connector import WebhookResult
from syncd.errors import WebhookError
from syncd.model import Change, ChangeKind, Ref
from syncd.webhooks import header, json_shaped

from .mapping import (
    Raw,
    Rules,
    comment_from_raw,
    is_pull_request,
    issue_from_raw,
    issue_key,
    issue_ref,
    parse_time,
)

SIGNATURE_HEADER = "X-Hub-Signature-256"


class _Login(TypedDict, total=False):
    login: Any


class _Named(TypedDict, total=False):
    full_name: Any


class _Milestone(TypedDict, total=False):
    title: Any


class _Issue(TypedDict, total=False):
    number: Any
    title: Any
    body: Any
    state: Any
    state_reason: Any
    labels: Any
    assignee: _Login | None
    milestone: _Milestone | None
    html_url: Any
    url: Any
    repository_url: Any
    created_at: Any
    updated_at: Any
    pull_request: Any


class _Comment(TypedDict, total=False):
    id: Any
    issue_url: Any
    body: Any
    user: _Login | None
    created_at: Any
    updated_at: Any


class _Payload(TypedDict, total=False):
    action: Any
    issue: _Issue
    comment: _Comment
    changes: Any  # transferred: the new repository and issue
    repository: _Named | None
    sender: _Login | None


PAYLOAD = TypeAdapter(_Payload)


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
    payload: _Payload = json_shaped(body, PAYLOAD)
    changes = changes_of(event, payload, rules)
    return WebhookResult(delivery_id=delivery, event=event, changes=tuple(changes))


def changes_of(event: str, payload: Raw, rules: Rules) -> list[Change]:
    """The changes a decoded ``event`` payload carries; ``WebhookError(400)`` when malformed."""
    try:
        if event == "issues":
            return _issues(payload, rules)
        if event == "issue_comment":
            return _issue_comment(payload, rules)
        # ping and every event syncd did not subscribe to
        return []
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise WebhookError(400, f"malformed {event} payload: {exc!r}") from exc


def _repo(payload: Raw) -> str:
    repository = payload.get("repository")
    if isinstance(repository, dict) and repository.get("full_name"):
        return str(repository["full_name"])
    # without a repository object the issue's own URL still names it
    return ""


def _actor(payload: Raw) -> str | None:
    sender = payload.get("sender") or {}
    login = sender.get("login")
    return str(login) if login else None


def _issues(payload: Raw, rules: Rules) -> list[Change]:
    action = str(payload["action"])
    raw: dict[str, Any] = payload["issue"]
    if not isinstance(raw, dict):
        raise TypeError("issue is not an object")
    if is_pull_request(raw):
        return []
    repo = _repo(payload) or None
    # an issue read whole names its own ref: not built twice
    whole = action not in ("deleted", "transferred") and "state" in raw
    issue = issue_from_raw(raw, rules, repo) if whole else None
    ref = issue.ref if issue else issue_ref(raw, rules.instance, repo)
    actor, at = _actor(payload), parse_time(raw.get("updated_at"))
    common: dict[str, Any] = {"ref": ref, "actor": actor, "at": at, "source": "webhook"}
    if action == "deleted":
        return [Change(kind=ChangeKind.DELETED, **common)]
    if action == "transferred":
        changes = payload["changes"]
        new_repo = str(changes["new_repository"]["full_name"])
        new_number = int(changes["new_issue"]["number"])
        new_ref = Ref.issue(rules.instance, issue_key(new_repo, new_number))
        return [Change(kind=ChangeKind.MOVED, new_ref=new_ref, **common)]
    if issue is None:
        # some actions (pinned, unpinned) carry a partial issue: have it read again
        return [Change(kind=ChangeKind.TOUCHED, **common)]
    return [Change(kind=ChangeKind.UPSERT, issue=issue, **common)]


def _issue_comment(payload: Raw, rules: Rules) -> list[Change]:
    action = str(payload["action"])
    issue: dict[str, Any] = payload["issue"]
    raw: dict[str, Any] = payload["comment"]
    if not isinstance(issue, dict) or not isinstance(raw, dict):
        raise TypeError("issue or comment is not an object")
    if is_pull_request(issue):
        return []
    repo = _repo(payload) or None
    parent = issue_ref(issue, rules.instance, repo)
    comment = comment_from_raw(raw, rules, repo)
    if comment.parent != parent:
        raise ValueError("comment.issue_url does not name the issue")
    common: dict[str, Any] = {"ref": parent, "actor": _actor(payload), "source": "webhook"}
    if action in ("created", "edited"):
        return [Change(kind=ChangeKind.COMMENT, comment=comment, at=comment.updated_at, **common)]
    if action == "deleted":
        # the payload carries no deletion time
        return [Change(kind=ChangeKind.COMMENT_DELETED, comment=comment, **common)]
    return []
