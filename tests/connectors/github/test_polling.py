"""GitHub's polling against the emulator: conditional idle polls, issue and comment changes,
paging, watched repositories, and cursors it refuses."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from connectors.github import GitHubConnector
from connectors.github.emulator import GitHubEmulator
from syncd.errors import CursorError
from syncd.model import ChangeKind, IssueStatus, Ref
from tests.connectors.contract import drain

from .conftest import BOT, DEV, REPO, connect, make_settings


def _settle(conn: GitHubConnector, cursor: str | None) -> str | None:
    """Poll until a poll changes nothing, not even the cursor: the overlap second of earlier
    tests' records has been read again and each list's ETag is known (on a fresh emulator
    the first empty poll still moves ``since``, and only the next one learns the ETags)."""
    for _ in range(10):
        changes, after = drain(conn, cursor)
        if not changes and after == cursor:
            break
        cursor = after
    return cursor


def test_idle_poll_is_conditional_and_free(emu: GitHubEmulator, connector: GitHubConnector) -> None:
    cursor = _settle(connector, drain(connector, None)[1])
    before = emu.control.budget.remaining(BOT)
    changes, cursor2 = drain(connector, cursor)
    assert changes == []
    assert emu.control.budget.remaining(BOT) == before
    assert connector.rate_budget().remaining == before
    changes, _ = drain(connector, cursor2)
    assert changes == [] and emu.control.budget.remaining(BOT) == before


def test_poll_sees_issue_and_comment_changes_once_settled(
    emu: GitHubEmulator, connector: GitHubConnector
) -> None:
    _, cursor = drain(connector, None)
    time.sleep(1.05)
    number = emu.create_issue_as(DEV, REPO, "polled", "body")
    comment_id = emu.comment_as(DEV, REPO, number, "a developer's note")
    emu.close_as(DEV, REPO, number, "not_planned")
    emu.create_issue_as(DEV, REPO, "a pull request", pull_request=True)
    changes, cursor = drain(connector, cursor)
    ref = Ref.issue("gh", f"{REPO}#{number}")
    upserts = [c for c in changes if c.kind == ChangeKind.UPSERT and c.ref == ref]
    assert upserts and upserts[-1].issue.status == IssueStatus.WONT_DO
    # a pull request listed among issues is skipped
    assert all(c.issue is None or c.issue.title != "a pull request" for c in changes)
    notes = [c for c in changes if c.kind == ChangeKind.COMMENT and c.ref == ref]
    assert [c.comment.ref.key for c in notes] == [f"{REPO}#comment-{comment_id}"]
    assert not notes[0].comment.by_syncd and notes[0].comment.body == "a developer's note"
    # the overlap second may repeat what was seen, then the poll settles on 304s
    cursor = _settle(connector, cursor)
    before = emu.control.budget.remaining(BOT)
    assert drain(connector, cursor)[0] == []
    assert emu.control.budget.remaining(BOT) == before


def test_poll_pages_through_many_issues(emu: GitHubEmulator, base_url: str) -> None:
    repo = f"acme/many-{uuid.uuid4().hex[:6]}"
    emu.add_repo(repo)
    conn = GitHubConnector(
        "gh", make_settings(base_url, repositories=[repo], per_page=5, max_poll_pages=2)
    )
    try:
        _, cursor = drain(conn, None)
        time.sleep(1.05)
        numbers = [emu.create_issue_as(DEV, repo, f"issue {i}") for i in range(23)]
        changes, _ = drain(conn, cursor)
        seen = {c.ref.key for c in changes if c.kind == ChangeKind.UPSERT}
        assert seen == {f"{repo}#{n}" for n in numbers}
    finally:
        conn.close()


def test_watch_adds_route_targets(emu: GitHubEmulator, base_url: str) -> None:
    repo = f"acme/routed-{uuid.uuid4().hex[:6]}"
    emu.add_repo(repo)
    conn = connect(base_url, repositories=[])
    try:
        conn.watch([repo, repo])
        assert conn.watched == [repo]
        _, cursor = drain(conn, None)
        time.sleep(1.05)
        number = emu.create_issue_as(DEV, repo, "routed")
        changes, _ = drain(conn, cursor)
        assert Ref.issue("gh", f"{repo}#{number}") in {c.ref for c in changes}
    finally:
        conn.close()


def test_a_cursor_resuming_a_walk_elsewhere_is_refused(
    emu: GitHubEmulator, connector: GitHubConnector
) -> None:
    since = "2024-05-01T10:00:00Z"
    state = {"since": since, "etag": None, "resume": "https://elsewhere.example/next?page=2"}
    cursor = json.dumps({"v": 1, "repos": {REPO: {"issues": state, "comments": {"since": since}}}})
    with pytest.raises(CursorError, match="outside"):
        connector.poll(cursor)


def test_an_unreadable_cursor_is_refused_before_any_request(base_url: str) -> None:
    conn = connect(base_url)
    try:
        with pytest.raises(CursorError, match="not JSON"):
            conn.poll("garbage")
        assert conn.rate_budget().remaining is None  # no answer seen yet: no request made
    finally:
        conn.close()
