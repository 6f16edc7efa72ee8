"""Webhook parsing against payloads built in the shape GitHub documents: issue and comment
actions, moves, pins, pull requests, markers, and pings or unknown events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.github import webhooks
from syncd.model import ChangeKind, IssueStatus, Ref
from tests.payloads import (
    github_comment_event,
    github_issue,
    github_issues_event,
    github_ping_event,
    github_pinned_event,
)

from .webhook_support import (
    BUILT_ISSUE,
    RULES,
    parse_built,
    signed_headers,
)


def test_comment_by_the_bot_is_by_syncd() -> None:
    payload = github_comment_event("Synced from support", login="Syncd-Bot")
    (change,) = parse_built("issue_comment", payload).changes  # bot_login "syncd-bot"
    assert change.comment is not None and change.comment.by_syncd
    other = github_comment_event("Looking into it", login="dev-alice")
    (change,) = parse_built("issue_comment", other).changes
    assert change.comment is not None and not change.comment.by_syncd


def test_ping_and_unknown_events_are_ignored() -> None:
    assert parse_built("ping", github_ping_event()).changes == ()
    body = b'{"zen": "x", "action": "created"}'
    assert webhooks.parse(signed_headers("star", body), body, RULES).changes == ()


@pytest.mark.parametrize(
    "action", ["opened", "edited", "labeled", "unlabeled", "assigned", "reopened", "locked"]
)
def test_issue_actions_on_a_whole_issue_become_upserts(action: str) -> None:
    (change,) = parse_built("issues", github_issues_event(action)).changes
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
    (gone,) = parse_built("issues", github_issues_event("deleted")).changes
    assert gone.kind == ChangeKind.DELETED and gone.ref == BUILT_ISSUE and gone.issue is None
    moved = github_issues_event("transferred")
    moved["changes"] = {
        "new_issue": github_issue(3, url="https://api.github.com/repos/acme/gadgets/issues/3"),
        "new_repository": moved["repository"] | {"full_name": "acme/gadgets"},
    }
    (change,) = parse_built("issues", moved).changes
    assert change.kind == ChangeKind.MOVED and change.ref == BUILT_ISSUE
    assert change.new_ref == Ref.issue("gh", "acme/gadgets#3")
    (touched,) = parse_built("issues", github_pinned_event()).changes
    assert touched.kind == ChangeKind.TOUCHED and touched.ref == BUILT_ISSUE
    pull = github_issues_event("milestoned")
    pull["issue"]["pull_request"] = {"url": "https://api.github.com/repos/acme/widgets/pulls/1"}
    assert parse_built("issues", pull).changes == ()


@pytest.mark.parametrize("action", ["created", "edited", "deleted"])
def test_comment_actions(action: str) -> None:
    payload = github_comment_event("Fixed on main.", action=action)
    (change,) = parse_built("issue_comment", payload).changes
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
    (change,) = parse_built("issues", payload).changes
    assert change.issue is not None
    assert change.issue.status == IssueStatus.WONT_DO
    assert change.issue.marker == "k-1" and change.issue.body == "text"
    assert change.issue.priority is not None and change.issue.priority.value == "high"
