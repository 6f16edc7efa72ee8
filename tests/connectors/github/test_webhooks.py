"""Webhook parsing against GitHub's own published payloads (the tests marked
``vendor_samples``): issue and comment actions, deletes, transfers, pins, pull requests, pings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syncd.model import ChangeKind, IssueStatus, Ref
from tests.connectors.kit import load

from .webhook_support import (
    EXAMPLES,
    ISSUE_1,
    parse_sample,
)


@pytest.mark.vendor_samples
def test_every_vendor_payload_is_handled() -> None:
    events = ("issues", "issue_comment", "ping")
    paths = sorted(p for event in events for p in (EXAMPLES / event).glob("*.json"))
    assert len(paths) == 39
    for path in paths:
        result = parse_sample(path)
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
    change = parse_sample(EXAMPLES / "issues" / name).changes[0]
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
    change = parse_sample(EXAMPLES / "issues" / "opened.payload.json").changes[0]
    assert change.issue is not None
    assert change.issue.body == "It looks like you accidently spelled 'commit' with two 't's."
    assert change.issue.created_at == datetime(2019, 5, 15, 15, 20, 18, tzinfo=UTC)
    assert change.at == datetime(2019, 5, 15, 15, 20, 18, tzinfo=UTC)


@pytest.mark.vendor_samples
def test_assigned_and_unlabeled_read_the_snapshot() -> None:
    assigned = parse_sample(EXAMPLES / "issues" / "assigned.payload.json").changes[0]
    assert assigned.issue is not None and assigned.issue.assignee == "Codertocat"
    unlabeled = parse_sample(EXAMPLES / "issues" / "unlabeled.payload.json").changes[0]
    assert unlabeled.issue is not None and unlabeled.issue.labels == frozenset({"bug"})


@pytest.mark.vendor_samples
def test_empty_body_is_an_empty_string() -> None:
    change = parse_sample(EXAMPLES / "issues" / "opened.with-empty-body.payload.json").changes[0]
    assert change.issue is not None and change.issue.body == ""


@pytest.mark.vendor_samples
def test_deleted_issue() -> None:
    (change,) = parse_sample(EXAMPLES / "issues" / "deleted.payload.json").changes
    assert change.kind == ChangeKind.DELETED and change.ref == ISSUE_1 and change.issue is None


@pytest.mark.vendor_samples
def test_transferred_issue_moves() -> None:
    (change,) = parse_sample(EXAMPLES / "issues" / "transferred.payload.json").changes
    assert change.kind == ChangeKind.MOVED
    assert change.ref == Ref.issue("gh", "octo-org/octo-repo#1")
    assert change.new_ref == ISSUE_1


@pytest.mark.vendor_samples
def test_pinned_partial_issue_is_touched() -> None:
    (change,) = parse_sample(EXAMPLES / "issues" / "pinned.payload.json").changes
    assert change.kind == ChangeKind.TOUCHED and change.ref == ISSUE_1


@pytest.mark.vendor_samples
def test_pull_request_events_are_ignored() -> None:
    assert parse_sample(EXAMPLES / "issues" / "milestoned.payload.json").changes == ()


@pytest.mark.vendor_samples
@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("created.payload.json", "You are totally right! I'll get this fixed right away."),
        ("edited.payload.json", "You are totally right! I'll get this fixed today."),
    ],
)
def test_comment_created_and_edited(name: str, text: str) -> None:
    (change,) = parse_sample(EXAMPLES / "issue_comment" / name).changes
    assert change.kind == ChangeKind.COMMENT and change.ref == ISSUE_1
    comment = change.comment
    assert comment is not None
    assert comment.ref == Ref.comment("gh", "Codertocat/Hello-World#comment-492700400")
    assert comment.parent == ISSUE_1
    assert comment.author == "Codertocat" and not comment.by_syncd
    assert comment.body == text
    assert comment.public is False and comment.marker is None


@pytest.mark.vendor_samples
def test_comment_deleted() -> None:
    (change,) = parse_sample(EXAMPLES / "issue_comment" / "deleted.payload.json").changes
    assert change.kind == ChangeKind.COMMENT_DELETED and change.ref == ISSUE_1
    assert change.comment is not None and change.comment.ref.key.endswith("#comment-492700400")


@pytest.mark.vendor_samples
def test_published_pings_are_ignored() -> None:
    pings = sorted((EXAMPLES / "ping").glob("*.json"))
    assert pings
    for path in pings:
        assert parse_sample(path).changes == ()
