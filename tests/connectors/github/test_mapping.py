"""Pure mapping: GitHub's JSON <-> canonical values, with GitHub's published examples (the
tests marked ``vendor_samples``) and with issues and comments built in GitHub's shape."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.github.mapping import (
    Rules,
    add_marker,
    comment_from_raw,
    comment_key,
    draft_payload,
    is_pull_request,
    is_pull_request_comment,
    issue_from_raw,
    issue_priority,
    issue_status,
    label_changes,
    parse_comment_key,
    parse_issue_key,
    repo_of_url,
    split_marker,
    state_for,
)
from connectors.github.settings import DEFAULT_PRIORITY_LABELS
from syncd.markers import MARKER_RE
from syncd.model import IssueDraft, IssueStatus, Priority, Ref
from tests.connectors.kit import load
from tests.payloads import github_comment, github_issue

from .conftest import GITHUB_SAMPLES

EXAMPLES = GITHUB_SAMPLES / "openapi" / "examples"
RULES = Rules(
    instance="gh",
    priority_labels=DEFAULT_PRIORITY_LABELS,
    in_progress_labels=["in progress", "doing"],
    bot_login="octocat",
)


def _example(name: str) -> Any:
    return load(EXAMPLES / name)["value"]


@pytest.mark.vendor_samples
def test_issue_example() -> None:
    issue = issue_from_raw(_example("issue.json"), RULES)
    assert issue.ref == Ref.issue("gh", "octocat/Hello-World#1347")
    assert issue.title == "Found a bug" and issue.body == "I'm having a problem with this."
    assert issue.status == IssueStatus.TODO
    assert issue.labels == frozenset({"bug"}) and issue.priority is None
    assert issue.assignee == "octocat" and issue.milestone == "v1.0"
    assert issue.url == "https://github.com/octocat/Hello-World/issues/1347"
    assert issue.created_at == datetime(2011, 4, 22, 13, 33, 48, tzinfo=UTC)
    assert issue.marker is None


@pytest.mark.vendor_samples
def test_issue_items_example_is_a_pull_request() -> None:
    (raw,) = _example("issue-items.json")
    assert is_pull_request(raw)
    assert not is_pull_request(_example("issue.json") | {"pull_request": None})


@pytest.mark.vendor_samples
def test_comment_example() -> None:
    comment = comment_from_raw(_example("issue-comment.json"), RULES)
    assert comment.ref == Ref.comment("gh", "octocat/Hello-World#comment-1")
    assert comment.parent == Ref.issue("gh", "octocat/Hello-World#1347")
    assert comment.author == "octocat" and comment.by_syncd
    assert comment.body == "Me too" and comment.public is False
    (item,) = _example("issue-comment-items.json")
    assert comment_from_raw(item, RULES).parent.key == "octocat/Hello-World#1347"
    assert not comment_from_raw(item, Rules(instance="gh", bot_login="someone")).by_syncd


def test_a_built_issue_and_comment_map() -> None:
    raw = github_issue(
        12,
        milestone={"number": 1, "title": "v1.0", "state": "open"},
        labels=[{"name": "bug"}, {"name": "priority: high"}, {"name": "doing"}],
        body="Steps\n\n<!-- syncd:key=k-7 -->",
    )
    issue = issue_from_raw(raw, RULES)
    assert issue.ref == Ref.issue("gh", "acme/widgets#12")
    assert issue.body == "Steps" and issue.marker == "k-7"
    assert issue.status == IssueStatus.IN_PROGRESS and issue.priority == Priority.HIGH
    assert issue.assignee == "dev-alice" and issue.milestone == "v1.0"
    assert issue.url == "https://github.com/acme/widgets/issues/12"
    assert issue.created_at == datetime(2019, 5, 15, 15, 20, 18, tzinfo=UTC)
    assert not is_pull_request(raw) and not is_pull_request(raw | {"pull_request": None})
    assert is_pull_request(raw | {"pull_request": {"url": f"{raw['url']}/pulls/12"}})
    comment = comment_from_raw(github_comment("Me too", login="OctoCat", number=12), RULES)
    assert comment.ref == Ref.comment("gh", "acme/widgets#comment-492700412")
    assert comment.parent == issue.ref and comment.body == "Me too"
    assert comment.author == "OctoCat" and comment.by_syncd and comment.public is False


def test_pull_request_comment_is_recognised() -> None:
    raw = github_comment("Me too")
    assert not is_pull_request_comment(raw)
    assert is_pull_request_comment(
        raw | {"html_url": "https://github.com/o/r/pull/3#issuecomment-1"}
    )


@pytest.mark.parametrize(
    ("state", "reason", "labels", "expected"),
    [
        ("open", None, [], IssueStatus.TODO),
        ("open", "reopened", [], IssueStatus.TODO),
        ("open", None, [{"name": "doing"}], IssueStatus.IN_PROGRESS),
        ("closed", "completed", [], IssueStatus.DONE),
        ("closed", None, [], IssueStatus.DONE),
        ("closed", "not_planned", [{"name": "doing"}], IssueStatus.WONT_DO),
        ("closed", "duplicate", [], IssueStatus.DUPLICATE),
    ],
)
def test_status_reading(
    state: str, reason: str | None, labels: list[dict[str, str]], expected: IssueStatus
) -> None:
    raw = {"state": state, "state_reason": reason, "labels": labels}
    assert issue_status(raw, RULES.in_progress_labels) == expected


@pytest.mark.parametrize(
    ("status", "current", "expected"),
    [
        (IssueStatus.DONE, "open", {"state": "closed", "state_reason": "completed"}),
        (IssueStatus.WONT_DO, "open", {"state": "closed", "state_reason": "not_planned"}),
        (IssueStatus.DUPLICATE, "open", {"state": "closed", "state_reason": "duplicate"}),
        (IssueStatus.TODO, "closed", {"state": "open", "state_reason": "reopened"}),
        (IssueStatus.IN_PROGRESS, "closed", {"state": "open", "state_reason": "reopened"}),
        (IssueStatus.TODO, "open", {"state": "open"}),
    ],
)
def test_status_writing(status: IssueStatus, current: str, expected: dict[str, str]) -> None:
    assert state_for(status, current) == expected


def test_priority_reads_the_highest_label() -> None:
    labels = {"priority: low", "priority: high", "bug"}
    assert issue_priority(labels, DEFAULT_PRIORITY_LABELS) == Priority.HIGH
    assert issue_priority({"bug"}, DEFAULT_PRIORITY_LABELS) is None


def test_label_changes_for_priority_and_status() -> None:
    add, remove = label_changes(
        {"priority: low", "doing", "bug"},
        RULES,
        status=IssueStatus.TODO,
        priority=Priority.URGENT,
        add=["impact:3"],
        remove=["bug", "absent"],
    )
    assert add == ["impact:3", "priority: urgent"]
    assert remove == ["bug", "doing", "priority: low"]
    add, remove = label_changes({"doing"}, RULES, status=IssueStatus.IN_PROGRESS)
    assert (add, remove) == ([], [])
    add, _ = label_changes(set(), RULES, status=IssueStatus.IN_PROGRESS)
    assert add == ["in progress"]


def test_markers_round_trip() -> None:
    body = add_marker("Steps:\n\n1. save\n", "k-42")
    assert body.endswith("<!-- syncd:key=k-42 -->")
    assert split_marker(body) == ("Steps:\n\n1. save", "k-42")
    assert split_marker("plain") == ("plain", None)
    assert split_marker(None) == ("", None)
    assert split_marker("<!-- syncd:key=k-1 -->") == ("", "k-1")


def test_draft_payload_carries_marker_labels_and_priority() -> None:
    draft = IssueDraft(
        title="Crash",
        body="b",
        labels=frozenset({"from-support"}),
        priority=Priority.HIGH,
        assignee="dev-alice",
    )
    payload = draft_payload(draft, "k-1", RULES)
    assert payload["title"] == "Crash"
    assert payload["labels"] == ["from-support", "priority: high"]
    assert payload["assignees"] == ["dev-alice"]
    assert split_marker(payload["body"]) == ("b", "k-1")


def test_keys() -> None:
    assert parse_issue_key("acme/widgets#12") == ("acme/widgets", 12)
    assert parse_comment_key(comment_key("acme/widgets", 99)) == ("acme/widgets", 99)
    assert repo_of_url("https://api.github.com/repos/acme/widgets/issues/1") == "acme/widgets"
    for bad in ("widgets#1", "acme/widgets#x", "acme/widgets"):
        with pytest.raises(ValueError):
            parse_issue_key(bad)
    with pytest.raises(ValueError):
        parse_comment_key("acme/widgets#comment-x")


def _split_by_pattern(body: str) -> tuple[str, str | None]:
    """What split_marker gives, by the marker's pattern searched the slow way."""
    match = MARKER_RE.search(body)
    if match is None:
        return body, None
    return (body[: match.start()] + body[match.end() :]).rstrip(), match.group(1)


def test_split_marker_finds_what_the_pattern_finds() -> None:
    pieces = [
        "text", " ", "\n", "\t", "\u00a0", "\u2003", "\x1c", ">", "<", "-", "!",
        "<!-- syncd:key=", "<!-- syncd:key=k1 -->", "<!-- syncd:key=a b -->",
        "<!-- syncd:key= -->", "<!-- syncd:key=x>y -->", " -->", "<!-- syncd:key=k2 -->",
    ]  # fmt: skip
    rng = random.Random(8)
    for _ in range(5000):
        body = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert split_marker(body) == _split_by_pattern(body), repr(body)
    long = "A line of a long bug report.\n" * 400
    assert split_marker(add_marker(long, "k9")) == (long.rstrip(), "k9")
