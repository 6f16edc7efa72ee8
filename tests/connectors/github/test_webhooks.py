"""Webhook verification and parsing: against GitHub's own published payloads (the tests
marked ``vendor_samples``) and against payloads built in the shape GitHub documents."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.github import webhooks
from connectors.github.mapping import Rules
from syncd.errors import WebhookError
from syncd.model import ChangeKind, IssueStatus, Ref
from tests.connectors.kit import load
from tests.payloads import (
    github_comment_event,
    github_issue,
    github_issues_event,
    github_ping_event,
    github_pinned_event,
)

from .conftest import GITHUB_SAMPLES, SAMPLES

EXAMPLES = GITHUB_SAMPLES / "payload-examples" / "api.github.com"
RULES = Rules(
    instance="gh",
    priority_labels={"urgent": "priority: urgent", "high": "priority: high"},
    in_progress_labels=["in progress"],
    bot_login="syncd-bot",
)
SECRET = "s3cret"
ISSUE_1 = Ref.issue("gh", "Codertocat/Hello-World#1")


def _headers(event: str, body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        "X-Hub-Signature-256": webhooks.sign(secret, body),
    }


def _parse(path: Path, rules: Rules = RULES) -> webhooks.WebhookResult:
    body = path.read_bytes()
    headers = _headers(path.parent.name, body)
    webhooks.verify(headers, body, SECRET)
    return webhooks.parse(headers, body, rules)


def _built(event: str, payload: dict[str, Any], rules: Rules = RULES) -> webhooks.WebhookResult:
    body = json.dumps(payload).encode()
    headers = _headers(event, body)
    webhooks.verify(headers, body, SECRET)
    return webhooks.parse(headers, body, rules)


BUILT_ISSUE = Ref.issue("gh", "acme/widgets#1")


@pytest.mark.vendor_samples
def test_every_vendor_payload_is_handled() -> None:
    events = ("issues", "issue_comment", "ping")
    paths = sorted(p for event in events for p in (EXAMPLES / event).glob("*.json"))
    assert len(paths) == 39
    for path in paths:
        result = _parse(path)
        assert result.event == path.parent.name
        assert result.delivery_id == "72d3162e-cc78-11e3-81ab-4c9367dc0958"
        payload = load(path)
        issue = payload.get("issue") or {}
        if path.parent.name == "ping" or "pull_request" in issue:
            assert result.changes == (), path.name
            continue
        assert len(result.changes) == 1, path.name
        change = result.changes[0]
        assert change.source == "webhook" and change.actor == "Codertocat"
        assert change.ref.kind.value == "issue"


@pytest.mark.vendor_samples
@pytest.mark.parametrize(
    "name",
    [
        "opened.payload.json",
        "edited.payload.json",
        "labeled.payload.json",
        "assigned.payload.json",
        "reopened.payload.json",
        "locked.payload.json",
    ],
)
def test_issue_actions_become_upserts(name: str) -> None:
    change = _parse(EXAMPLES / "issues" / name).changes[0]
    assert change.kind == ChangeKind.UPSERT and change.ref == ISSUE_1
    issue = change.issue
    assert issue is not None and issue.ref == ISSUE_1
    assert issue.title == "Spelling error in the README file"
    assert issue.status == IssueStatus.TODO
    assert issue.labels == frozenset({"bug"})
    assert issue.url == "https://github.com/Codertocat/Hello-World/issues/1"
    assert issue.marker is None and issue.priority is None
    assert change.at == issue.updated_at and change.at is not None


@pytest.mark.vendor_samples
def test_opened_details() -> None:
    change = _parse(EXAMPLES / "issues" / "opened.payload.json").changes[0]
    assert change.issue is not None
    assert change.issue.body == "It looks like you accidently spelled 'commit' with two 't's."
    assert change.issue.created_at == datetime(2019, 5, 15, 15, 20, 18, tzinfo=UTC)
    assert change.at == datetime(2019, 5, 15, 15, 20, 18, tzinfo=UTC)


@pytest.mark.vendor_samples
def test_assigned_and_unlabeled_read_the_snapshot() -> None:
    assigned = _parse(EXAMPLES / "issues" / "assigned.payload.json").changes[0]
    assert assigned.issue is not None and assigned.issue.assignee == "Codertocat"
    unlabeled = _parse(EXAMPLES / "issues" / "unlabeled.payload.json").changes[0]
    assert unlabeled.issue is not None and unlabeled.issue.labels == frozenset({"bug"})


@pytest.mark.vendor_samples
def test_empty_body_is_an_empty_string() -> None:
    change = _parse(EXAMPLES / "issues" / "opened.with-empty-body.payload.json").changes[0]
    assert change.issue is not None and change.issue.body == ""


@pytest.mark.vendor_samples
def test_deleted_issue() -> None:
    (change,) = _parse(EXAMPLES / "issues" / "deleted.payload.json").changes
    assert change.kind == ChangeKind.DELETED and change.ref == ISSUE_1 and change.issue is None


@pytest.mark.vendor_samples
def test_transferred_issue_moves() -> None:
    (change,) = _parse(EXAMPLES / "issues" / "transferred.payload.json").changes
    assert change.kind == ChangeKind.MOVED
    assert change.ref == Ref.issue("gh", "octo-org/octo-repo#1")
    assert change.new_ref == ISSUE_1


@pytest.mark.vendor_samples
def test_pinned_partial_issue_is_touched() -> None:
    (change,) = _parse(EXAMPLES / "issues" / "pinned.payload.json").changes
    assert change.kind == ChangeKind.TOUCHED and change.ref == ISSUE_1


@pytest.mark.vendor_samples
def test_pull_request_events_are_ignored() -> None:
    assert _parse(EXAMPLES / "issues" / "milestoned.payload.json").changes == ()


@pytest.mark.vendor_samples
@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("created.payload.json", "You are totally right! I'll get this fixed right away."),
        ("edited.payload.json", "You are totally right! I'll get this fixed today."),
    ],
)
def test_comment_created_and_edited(name: str, text: str) -> None:
    (change,) = _parse(EXAMPLES / "issue_comment" / name).changes
    assert change.kind == ChangeKind.COMMENT and change.ref == ISSUE_1
    comment = change.comment
    assert comment is not None
    assert comment.ref == Ref.comment("gh", "Codertocat/Hello-World#comment-492700400")
    assert comment.parent == ISSUE_1
    assert comment.author == "Codertocat" and not comment.by_syncd
    assert comment.body == text
    assert comment.public is False and comment.marker is None


def test_comment_by_the_bot_is_by_syncd() -> None:
    payload = github_comment_event("Synced from support", login="Syncd-Bot")
    (change,) = _built("issue_comment", payload).changes  # bot_login "syncd-bot"
    assert change.comment is not None and change.comment.by_syncd
    other = github_comment_event("Looking into it", login="dev-alice")
    (change,) = _built("issue_comment", other).changes
    assert change.comment is not None and not change.comment.by_syncd


@pytest.mark.vendor_samples
def test_comment_deleted() -> None:
    (change,) = _parse(EXAMPLES / "issue_comment" / "deleted.payload.json").changes
    assert change.kind == ChangeKind.COMMENT_DELETED and change.ref == ISSUE_1
    assert change.comment is not None and change.comment.ref.key.endswith("#comment-492700400")


@pytest.mark.vendor_samples
def test_published_pings_are_ignored() -> None:
    pings = sorted((EXAMPLES / "ping").glob("*.json"))
    assert pings
    for path in pings:
        assert _parse(path).changes == ()


def test_ping_and_unknown_events_are_ignored() -> None:
    assert _built("ping", github_ping_event()).changes == ()
    body = b'{"zen": "x", "action": "created"}'
    assert webhooks.parse(_headers("star", body), body, RULES).changes == ()


@pytest.mark.parametrize(
    "action", ["opened", "edited", "labeled", "unlabeled", "assigned", "reopened", "locked"]
)
def test_issue_actions_on_a_whole_issue_become_upserts(action: str) -> None:
    (change,) = _built("issues", github_issues_event(action)).changes
    assert change.kind == ChangeKind.UPSERT and change.ref == BUILT_ISSUE
    issue = change.issue
    assert issue is not None and issue.ref == BUILT_ISSUE
    assert issue.title == "Spelling error in the README file"
    assert issue.status == IssueStatus.TODO and issue.labels == frozenset({"bug"})
    assert issue.assignee == "dev-alice" and issue.priority is None
    assert issue.url == "https://github.com/acme/widgets/issues/1"
    assert change.at == issue.updated_at == datetime(2019, 5, 15, 15, 20, 18, tzinfo=UTC)
    assert change.actor == "dev-alice" and change.source == "webhook"


def test_deleted_transferred_pinned_and_pull_requests() -> None:
    (gone,) = _built("issues", github_issues_event("deleted")).changes
    assert gone.kind == ChangeKind.DELETED and gone.ref == BUILT_ISSUE and gone.issue is None
    moved = github_issues_event("transferred")
    moved["changes"] = {
        "new_issue": github_issue(3, url="https://api.github.com/repos/acme/gadgets/issues/3"),
        "new_repository": moved["repository"] | {"full_name": "acme/gadgets"},
    }
    (change,) = _built("issues", moved).changes
    assert change.kind == ChangeKind.MOVED and change.ref == BUILT_ISSUE
    assert change.new_ref == Ref.issue("gh", "acme/gadgets#3")
    (touched,) = _built("issues", github_pinned_event()).changes
    assert touched.kind == ChangeKind.TOUCHED and touched.ref == BUILT_ISSUE
    pull = github_issues_event("milestoned")
    pull["issue"]["pull_request"] = {"url": "https://api.github.com/repos/acme/widgets/pulls/1"}
    assert _built("issues", pull).changes == ()


@pytest.mark.parametrize("action", ["created", "edited", "deleted"])
def test_comment_actions(action: str) -> None:
    payload = github_comment_event("Fixed on main.", action=action)
    (change,) = _built("issue_comment", payload).changes
    kind = ChangeKind.COMMENT_DELETED if action == "deleted" else ChangeKind.COMMENT
    assert change.kind == kind and change.ref == BUILT_ISSUE
    comment = change.comment
    assert comment is not None and comment.parent == BUILT_ISSUE
    assert comment.ref == Ref.comment("gh", "acme/widgets#comment-492700401")
    if action != "deleted":
        assert comment.body == "Fixed on main." and comment.author == "dev-alice"
        assert comment.public is False and not comment.by_syncd and comment.marker is None


def test_marker_and_status_from_a_closed_issue() -> None:
    payload = github_issues_event("closed")
    payload["issue"].update(
        state="closed",
        state_reason="not_planned",
        body="text\n\n<!-- syncd:key=k-1 -->",
        labels=[*payload["issue"]["labels"], {"name": "priority: high"}],
    )
    (change,) = _built("issues", payload).changes
    assert change.issue is not None
    assert change.issue.status == IssueStatus.WONT_DO
    assert change.issue.marker == "k-1" and change.issue.body == "text"
    assert change.issue.priority is not None and change.issue.priority.value == "high"


@pytest.mark.vendor_samples
def test_published_signature_vector_verifies() -> None:
    vector = load(SAMPLES / "signing-test-vectors.json")["github"]
    body = vector["payload"].encode()
    headers = {vector["header"]: vector["expected_header_value"]}
    assert webhooks.sign(vector["secret"], body) == vector["expected_header_value"]
    webhooks.verify(headers, body, vector["secret"])
    with pytest.raises(WebhookError) as err:
        webhooks.verify(headers, body, "another secret")
    assert err.value.status == 401


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": "sha256=00"},
        {"X-Hub-Signature-256": ""},
        {"X-Hub-Signature": "sha1=0123"},
    ],
)
def test_missing_or_wrong_signature_is_401(headers: dict[str, str]) -> None:
    with pytest.raises(WebhookError) as err:
        webhooks.verify(headers, b"{}", SECRET)
    assert err.value.status == 401


@pytest.mark.parametrize(
    "given",
    [
        lambda good: good.replace("sha256=", "sha1="),  # the right digest under another name
        lambda good: good.replace("sha256=", ""),
        lambda good: good[:-2],  # cut short
        lambda good: good + "00",
        lambda good: good[:-1] + "g",  # not hexadecimal
    ],
)
def test_a_signature_close_to_the_right_one_is_401(given: Any) -> None:
    body = b'{"action": "opened"}'
    with pytest.raises(WebhookError) as err:
        webhooks.verify({"X-Hub-Signature-256": given(webhooks.sign(SECRET, body))}, body, SECRET)
    assert err.value.status == 401


def test_header_names_are_case_insensitive() -> None:
    body = b"{}"
    webhooks.verify({"x-hub-signature-256": webhooks.sign(SECRET, body)}, body, SECRET)


@pytest.mark.parametrize(
    ("event", "body"),
    [
        ("issues", b"{not json"),
        ("issues", b"[1, 2]"),
        ("issues", b'{"action": "opened"}'),
        ("issues", b'{"action": "opened", "issue": {"title": "no number"}}'),
        ("issue_comment", b'{"action": "created", "issue": {}, "comment": {}}'),
        ("", b"{}"),
    ],
)
def test_malformed_deliveries_are_400(event: str, body: bytes) -> None:
    headers = _headers(event, body)
    if not event:
        del headers["X-GitHub-Event"]
    with pytest.raises(WebhookError) as err:
        webhooks.parse(headers, body, RULES)
    assert err.value.status == 400
