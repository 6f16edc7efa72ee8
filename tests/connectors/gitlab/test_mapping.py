"""The pure mapping between GitLab's JSON and syncd's values: keys, times, statuses from
state and labels, label changes, markers and the references agents paste."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.gitlab import mapping
from connectors.gitlab.mapping import Rules
from syncd.model import IssueDraft, IssueStatus, Priority

RULES = Rules(
    instance="gl",
    priority_labels={"urgent": "P1", "high": "P2", "low": "P4"},
    in_progress_labels=("doing",),
    wont_do_labels=("won't do",),
    duplicate_labels=("duplicate",),
    bot_username="syncd-bot",
)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("https://gitlab.example.com/group/project/-/issues/12", "group/project#12"),
        ("see https://gitlab.com/a/b/c/-/issues/3#note_5 please", "a/b/c#3"),
        ("https://gitlab.com/a/b/-/work_items/9", "a/b#9"),
        ("group/project#12", "group/project#12"),
        (" acme/platform/api#7 ", "acme/platform/api#7"),
        ("https://github.com/acme/widgets/issues/42", None),  # GitHub's, not GitLab's form
        ("ABC-12", None),
        ("#12", None),
        ("group#12", None),
    ],
)
def test_issue_references(text: str, key: str | None) -> None:
    assert mapping.issue_reference(text) == key


def test_keys_round_trip_with_subgroups() -> None:
    key = mapping.comment_key("a/b/c", 12, 1241)
    assert key == "a/b/c#12/note-1241"
    assert mapping.parse_comment_key(key) == ("a/b/c", 12, 1241)
    assert mapping.parse_issue_key("a/b/c#12") == ("a/b/c", 12)
    for bad in ("a#1", "a/b#x", "a/b#12/note-5", "a/b"):
        with pytest.raises(ValueError):
            mapping.parse_issue_key(bad)
    with pytest.raises(ValueError):
        mapping.parse_comment_key("a/b#12/note-x")


def test_both_time_forms_gitlab_writes() -> None:
    rest = mapping.parse_time("2016-01-04T15:31:46.176Z")
    hook = mapping.parse_time("2015-05-17 17:06:40 UTC")
    assert rest == datetime(2016, 1, 4, 15, 31, 46, 176000, tzinfo=UTC)
    assert hook == datetime(2015, 5, 17, 17, 6, 40, tzinfo=UTC)
    assert mapping.parse_time(None) is None


@pytest.mark.parametrize(
    ("state", "labels", "status"),
    [
        ("opened", [], IssueStatus.TODO),
        ("opened", ["doing"], IssueStatus.IN_PROGRESS),
        ("closed", ["doing"], IssueStatus.DONE),
        ("closed", ["won't do"], IssueStatus.WONT_DO),
        ("closed", ["duplicate"], IssueStatus.DUPLICATE),
        ("opened", ["won't do"], IssueStatus.TODO),  # a reopened issue keeps a stale label
    ],
)
def test_status_from_state_and_labels(state: str, labels: list[str], status: IssueStatus) -> None:
    assert mapping.issue_status({"state": state, "labels": labels}, RULES) == status


def test_label_changes_for_status_and_priority() -> None:
    add, remove = mapping.label_changes(
        ["P4", "doing", "bug"], RULES, status=IssueStatus.WONT_DO, priority=Priority.URGENT
    )
    assert add == ["P1", "won't do"] and remove == ["P4", "doing"]
    add, remove = mapping.label_changes(["won't do"], RULES, status=IssueStatus.TODO)
    assert add == [] and remove == ["won't do"]


@pytest.mark.parametrize(
    ("status", "state", "event"),
    [
        (IssueStatus.DONE, "opened", "close"),
        (IssueStatus.WONT_DO, "closed", None),
        (IssueStatus.TODO, "closed", "reopen"),
        (IssueStatus.IN_PROGRESS, "opened", None),
    ],
)
def test_state_events(status: IssueStatus, state: str, event: str | None) -> None:
    assert mapping.state_event(status, state) == event


def test_issue_and_note_from_rest() -> None:
    raw = {
        "iid": 7,
        "title": "Crash",
        "description": "It crashes.\n\n<!-- syncd:key=k-1 -->",
        "state": "opened",
        "labels": ["P2", "bug"],
        "assignees": [{"username": "dev-alice"}],
        "milestone": {"title": "v1"},
        "web_url": "https://gitlab.example.com/acme/api/-/issues/7",
        "references": {"full": "acme/api#7"},
        "updated_at": "2024-05-01T10:00:00.000Z",
    }
    issue = mapping.issue_from_raw(raw, RULES)
    assert issue.ref.key == "acme/api#7" and issue.body == "It crashes." and issue.marker == "k-1"
    assert issue.priority == Priority.HIGH and issue.assignee == "dev-alice"
    assert issue.milestone == "v1"
    note = {"id": 5, "body": "hi", "author": {"username": "SYNCD-BOT"}, "confidential": True}
    comment = mapping.comment_from_raw(note, RULES, "acme/api", 7)
    assert comment.by_syncd and not comment.public and comment.parent == issue.ref


def test_draft_payload_and_visibility() -> None:
    draft = IssueDraft(title="t", body="b", labels=frozenset({"x"}), priority=Priority.LOW)
    payload = mapping.draft_payload(draft, "k-9", RULES)
    assert payload["labels"] == "P4,x" and payload["description"].endswith("syncd:key=k-9 -->")
    assert mapping.project_is_public({"visibility": "public", "issues_access_level": "enabled"})
    assert not mapping.project_is_public({"visibility": "public", "issues_access_level": "private"})
    assert not mapping.project_is_public({"visibility": "internal"})


def test_a_hooks_snapshot_is_not_older_than_a_rest_read_of_the_same_second() -> None:
    # REST: milliseconds; hooks: whole seconds. The engine drops a snapshot older than the
    # last one it saw, so a close within the second after syncd's own write would be lost.
    rest = {"iid": 7, "state": "opened", "web_url": "https://h/a/b/-/issues/7",
            "updated_at": "2024-05-01T10:00:05.800Z"}  # fmt: skip
    hook = {**rest, "state": "closed", "updated_at": "2024-05-01 10:00:05 UTC"}
    first, then = mapping.issue_from_raw(rest, RULES), mapping.issue_from_raw(hook, RULES)
    assert first.updated_at == then.updated_at == datetime(2024, 5, 1, 10, 0, 5, tzinfo=UTC)
    note = {"id": 5, "body": "x", "author": {"username": "a"}}
    rest_note = mapping.comment_from_raw(
        {**note, "updated_at": "2024-05-01T10:00:05.800Z"}, RULES, "a/b", 7
    )
    hook_note = mapping.comment_from_raw(
        {**note, "updated_at": "2024-05-01 10:00:05 UTC"}, RULES, "a/b", 7
    )
    assert rest_note.updated_at == hook_note.updated_at
