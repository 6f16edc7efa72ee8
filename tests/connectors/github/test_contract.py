"""The shared tracker contract, plus GitHub's own guarantees, against the emulator."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from connectors.github import GitHubConnector
from connectors.github.emulator import GitHubEmulator
from syncd.errors import CursorError, Forbidden, NotFound, RateLimited
from syncd.model import ChangeKind, IssueDraft, IssueStatus, Priority, Ref
from tests.connectors.contract import TrackerContract, drain
from tests.connectors.trackers import DevHarness, TrackerFaults

from .conftest import BOT, DEV, REPO, connect, make_settings


class Harness(DevHarness):
    """Acts as a developer through the emulator's REST API with the developer's token."""

    project = REPO

    def human_create(self, title: str, body: str = "", **kw: Any) -> Ref:
        resp = self.http.post(f"/repos/{REPO}/issues", json={"title": title, "body": body, **kw})
        resp.raise_for_status()
        return Ref.issue("gh", f"{REPO}#{resp.json()['number']}")

    def human_comment(self, parent: Ref, body: str, *, public: bool) -> Ref:
        number = parent.key.rsplit("#", 1)[1]
        resp = self.http.post(f"/repos/{REPO}/issues/{number}/comments", json={"body": body})
        resp.raise_for_status()
        return Ref.comment("gh", f"{REPO}#comment-{resp.json()['id']}")


@pytest.fixture
def harness(
    emu: GitHubEmulator, base_url: str, connector: GitHubConnector, dev: httpx.Client
) -> Iterator[Harness]:
    with closing(Harness(emu, base_url, connector, dev, connect)) as h:
        yield h


class TestGitHubContract(TrackerContract):
    """Every tracker's contract."""


class TestGitHubFaults(TrackerFaults):
    """The failures GitHub's emulator stages as GitLab's does."""

    project = REPO
    connect = staticmethod(connect)


def _draft(title: str = "t") -> IssueDraft:
    return IssueDraft(title=title, body="b")


def _key() -> str:
    return f"k-{uuid.uuid4().hex}"


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


def test_exhausted_budget_raises_rate_limited(
    emu: GitHubEmulator, connector: GitHubConnector
) -> None:
    made = connector.create_issue(REPO, _draft(), key=_key())
    emu.exhaust_budget(BOT, for_seconds=120)
    try:
        with pytest.raises(RateLimited) as err:
            connector.get_issue(made.ref)
        assert 60 <= err.value.retry_after <= 121
        assert connector.rate_budget().remaining == 0
    finally:
        emu.control.budget.used.clear()


def test_secondary_limit_429_honours_retry_after(
    emu: GitHubEmulator, connector: GitHubConnector
) -> None:
    emu.control.faults.add("rate_limit", status=429, seconds=17, path=r"/issues/\d+$")
    with pytest.raises(RateLimited) as err:
        connector.get_issue(Ref.issue("gh", f"{REPO}#1"))
    assert err.value.retry_after == 17


def test_archived_repository_write_is_forbidden(
    emu: GitHubEmulator, connector: GitHubConnector
) -> None:
    repo = f"acme/old-{uuid.uuid4().hex[:6]}"
    emu.add_repo(repo)
    number = emu.create_issue_as(DEV, repo, "before archiving")
    emu.archive(repo)
    ref = Ref.issue("gh", f"{repo}#{number}")
    assert connector.get_issue(ref).title == "before archiving"
    with pytest.raises(Forbidden) as err:
        connector.update_issue(ref, status=IssueStatus.DONE)
    assert "archived" in str(err.value)
    with pytest.raises(Forbidden):
        connector.create_issue(repo, _draft(), key=_key())


def test_lost_access_is_forbidden_not_auth(emu: GitHubEmulator, base_url: str) -> None:
    repo = f"acme/secret-{uuid.uuid4().hex[:6]}"
    emu.add_repo(repo)
    number = emu.create_issue_as(DEV, repo, "hidden")
    emu.forbid(BOT, repo)
    conn = connect(base_url)
    try:
        with pytest.raises(Forbidden):
            conn.get_issue(Ref.issue("gh", f"{repo}#{number}"))
    finally:
        conn.close()


def test_deleted_issue_is_not_found(emu: GitHubEmulator, connector: GitHubConnector) -> None:
    made = connector.create_issue(REPO, _draft(), key=_key())
    _, number = made.ref.key.split("#")
    emu.delete_issue_as(DEV, REPO, int(number))
    with pytest.raises(NotFound) as err:
        connector.get_issue(made.ref)
    assert err.value.status == 410
    with pytest.raises(NotFound):
        connector.comments(made.ref)


def test_transferred_issue_is_followed(emu: GitHubEmulator, connector: GitHubConnector) -> None:
    target = f"acme/elsewhere-{uuid.uuid4().hex[:6]}"
    emu.add_repo(target)
    made = connector.create_issue(REPO, _draft("moving"), key=_key())
    new_number = emu.transfer_as(DEV, REPO, int(made.ref.key.split("#")[1]), target)
    moved = connector.get_issue(made.ref)
    assert moved.ref.key == f"{target}#{new_number}" and moved.title == "moving"
    _, headers, body = emu.control.webhooks.captured[-2]
    result = connector.parse_webhook(headers, body)
    assert result.changes[0].kind == ChangeKind.MOVED
    assert result.changes[0].new_ref == moved.ref


def test_status_round_trip_and_in_progress_label(
    emu: GitHubEmulator, connector: GitHubConnector
) -> None:
    made = connector.create_issue(REPO, _draft(), key=_key())
    number = int(made.ref.key.split("#")[1])
    started = connector.update_issue(made.ref, status=IssueStatus.IN_PROGRESS)
    assert started.status == IssueStatus.IN_PROGRESS and "in progress" in started.labels
    dup = connector.update_issue(made.ref, status=IssueStatus.DUPLICATE)
    assert dup.status == IssueStatus.DUPLICATE and "in progress" not in dup.labels
    raw = emu.issue(REPO, number)
    assert (raw["state"], raw["state_reason"]) == ("closed", "duplicate")
    back = connector.update_issue(made.ref, status=IssueStatus.TODO)
    assert back.status == IssueStatus.TODO
    assert emu.issue(REPO, number)["state_reason"] == "reopened"


def test_priority_replaces_the_previous_label(connector: GitHubConnector) -> None:
    made = connector.create_issue(
        REPO, IssueDraft(title="p", body="b", priority=Priority.LOW), key=_key()
    )
    assert made.priority == Priority.LOW
    after = connector.update_issue(made.ref, priority=Priority.HIGH, title="p2", body="new")
    assert after.priority == Priority.HIGH and "priority: low" not in after.labels
    assert after.title == "p2" and after.body == "new" and after.marker == made.marker


def test_syncd_writes_fire_webhooks_too(emu: GitHubEmulator, connector: GitHubConnector) -> None:
    made = connector.create_issue(REPO, _draft("echo"), key=_key())
    _, headers, body = emu.control.webhooks.captured[-1]
    result = connector.parse_webhook(headers, body)
    assert result.event == "issues" and result.changes[0].actor == BOT
    assert result.changes[0].issue is not None and result.changes[0].issue.marker == made.marker
    note = connector.add_comment(made.ref, "status update", public=False, key=_key())
    event, headers, body = emu.control.webhooks.captured[-1]
    assert event == "issue_comment"
    change = connector.parse_webhook(headers, body).changes[0]
    assert change.comment is not None and change.comment.ref == note.ref
    assert change.comment.by_syncd and change.comment.marker == note.marker


def test_a_login_learnt_after_the_first_read_marks_the_bots_comments(
    emu: GitHubEmulator, connector: GitHubConnector, base_url: str
) -> None:
    made = connector.create_issue(REPO, _draft("late login"), key=_key())
    connector.add_comment(made.ref, "from the bot", public=False, key=_key())
    _, headers, body = emu.control.webhooks.captured[-1]
    fresh = connect(base_url)  # its login not known yet
    try:
        fresh.get_issue(made.ref)  # reads and maps before it knows who it is
        change = fresh.parse_webhook(headers, body).changes[0]  # learns it here
    finally:
        fresh.close()
    assert change.comment is not None and change.comment.by_syncd


def test_find_issue_respects_since_and_creator(
    emu: GitHubEmulator, connector: GitHubConnector
) -> None:
    key = _key()
    made = connector.create_issue(REPO, _draft("findable"), key=key)
    # a human quoting the marker does not make the issue syncd's
    emu.create_issue_as(DEV, REPO, "copy", f"quoting <!-- syncd:key={key} -->")
    found = connector.find_issue(REPO, key, made.created_at)
    assert found is not None and found.ref == made.ref
    later = datetime.now(UTC) + timedelta(seconds=5)
    assert connector.find_issue(REPO, key, later) is None


def test_registry_builds_the_connector_from_settings(base_url: str, tmp_path: Any) -> None:
    from syncd.registry import spec

    token_file = tmp_path / "token"
    token_file.write_text("syncd-token\n")
    github = spec("github")
    assert github.kind == "github" and github.settings.__name__ == "GitHubSettings"
    settings = make_settings(base_url, token=None, token_file=token_file)
    conn = github.factory("gh2", settings, None)
    try:
        assert conn.name == "gh2" and conn.check() == BOT
    finally:
        conn.close()


def test_control_routes_and_fault_counters(emu: GitHubEmulator, base_url: str) -> None:
    dev = {"Authorization": "token dev-token"}

    def stats() -> dict[str, Any]:
        answer: dict[str, Any] = httpx.get(f"{base_url}/_emulator/stats").json()
        return answer

    def repo_reads() -> int:
        return sum(n for key, n in stats()["requests"].items() if key.startswith("GET /repos/"))

    before = repo_reads()  # the emulator is shared: count from here
    assert httpx.get(f"{base_url}/repos/{REPO}/issues", headers=dev).status_code == 200
    assert repo_reads() == before + 1
    resp = httpx.post(f"{base_url}/_emulator/faults", json={"kind": "status", "status": 502})
    assert resp.status_code == 201
    assert [(f["kind"], f["fired"]) for f in stats()["faults"]] == [("status", 0)]
    assert httpx.get(f"{base_url}/user", headers=dev).status_code == 502
    assert [(f["kind"], f["fired"]) for f in stats()["faults"]] == [("status", 1)]
    assert httpx.delete(f"{base_url}/_emulator/faults").status_code == 200
    assert stats()["faults"] == []
    assert httpx.get(f"{base_url}/user", headers=dev).status_code == 200


def test_webhooks_are_delivered_over_http(emu: GitHubEmulator, connector: GitHubConnector) -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from syncd.testing.server import ServerThread

    received: list[tuple[dict[str, str], bytes]] = []

    async def hook(request: Request) -> Response:
        received.append((dict(request.headers), await request.body()))
        return Response(status_code=202)

    with ServerThread(Starlette(routes=[Route("/hook", hook, methods=["POST"])])) as srv:
        emu.configure_webhooks(f"{srv.url}/hook")
        try:
            number = emu.create_issue_as(DEV, REPO, "delivered")
            emu.comment_as(DEV, REPO, number, "and commented")
            assert emu.control.webhooks.flush(5)
        finally:
            emu.configure_webhooks(None)
    changes = []
    for headers, body in received[-2:]:
        connector.verify_webhook(headers, body)
        changes.extend(connector.parse_webhook(headers, body).changes)
    assert [c.kind for c in changes] == [ChangeKind.UPSERT, ChangeKind.COMMENT]
    assert all(c.ref == Ref.issue("gh", f"{REPO}#{number}") and c.actor == DEV for c in changes)


def test_reset_over_http_empties_the_store(base_url: str) -> None:
    from connectors.github.emulator import build
    from syncd.testing.server import ServerThread

    emu = build(tokens={"t": "someone"})
    emu.add_repo("x/y")
    with ServerThread(emu.app) as srv:
        auth = {"Authorization": "token t"}
        assert httpx.get(f"{srv.url}/repos/x/y", headers=auth).status_code == 200
        assert httpx.post(f"{srv.url}/_emulator/reset").status_code == 200
        assert httpx.get(f"{srv.url}/repos/x/y", headers=auth).status_code == 404
        assert httpx.get(f"{srv.url}/user", headers=auth).json()["login"] == "someone"


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
