"""GitLab's own guarantees beyond the shared contract, against the emulator: internal notes,
statuses through state events and labels, priority labels, polling (pages, notes per changed
issue, the overlap window), rate limits, faults and lost access."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from connectors.gitlab import GitLabConnector
from connectors.gitlab.emulator import GitLabEmulator
from syncd.errors import Forbidden, NotFound, RateLimited
from syncd.model import ChangeKind, IssueDraft, IssueStatus, Priority
from tests.connectors.contract import drain
from tests.connectors.trackers import TrackerFaults

from .conftest import BOT, DEV, PROJECT, connect, make_settings


class TestGitLabFaults(TrackerFaults):
    """The failures GitLab's emulator stages as GitHub's does."""

    project = PROJECT
    connect = staticmethod(connect)


def _key() -> str:
    return f"k-{uuid.uuid4().hex}"


def _project(emu: GitLabEmulator, name: str) -> str:
    path = f"acme/{name}-{uuid.uuid4().hex[:6]}"
    emu.add_project(path)
    return path


def test_internal_and_public_notes(emu: GitLabEmulator, connector: GitLabConnector) -> None:
    made = connector.create_issue(PROJECT, IssueDraft(title="t", body="b"), key=_key())
    inner = connector.add_comment(made.ref, "for members", public=False, key=_key())
    outer = connector.add_comment(made.ref, "for all", public=True, key=_key())
    iid = int(made.ref.key.rsplit("#", 1)[1])
    flags = {n["body"].split("\n")[0]: n["internal"] for n in emu.notes(PROJECT, iid)}
    assert flags == {"for members": True, "for all": False}
    read = {c.ref: c.public for c in connector.comments(made.ref)}
    assert read == {inner.ref: False, outer.ref: True}


def test_statuses_go_through_state_events_and_labels(
    emu: GitLabEmulator, connector: GitLabConnector
) -> None:
    made = connector.create_issue(PROJECT, IssueDraft(title="s", body="b"), key=_key())
    iid = int(made.ref.key.rsplit("#", 1)[1])
    started = connector.update_issue(made.ref, status=IssueStatus.IN_PROGRESS)
    assert started.status == IssueStatus.IN_PROGRESS and "workflow::in progress" in started.labels
    dup = connector.update_issue(made.ref, status=IssueStatus.DUPLICATE)
    assert dup.status == IssueStatus.DUPLICATE and "workflow::in progress" not in dup.labels
    assert emu.issue(PROJECT, iid)["state"] == "closed"
    wont = connector.update_issue(made.ref, status=IssueStatus.WONT_DO)
    assert wont.status == IssueStatus.WONT_DO and "duplicate" not in wont.labels
    back = connector.update_issue(made.ref, status=IssueStatus.TODO)
    assert back.status == IssueStatus.TODO and "won't do" not in back.labels
    assert emu.issue(PROJECT, iid)["state"] == "opened"


def test_priority_replaces_the_previous_label_and_body_keeps_the_marker(
    connector: GitLabConnector,
) -> None:
    made = connector.create_issue(
        PROJECT, IssueDraft(title="p", body="b", priority=Priority.LOW), key=_key()
    )
    assert made.priority == Priority.LOW and "priority::low" in made.labels
    after = connector.update_issue(made.ref, priority=Priority.HIGH, title="p2", body="new")
    assert after.priority == Priority.HIGH and "priority::low" not in after.labels
    assert after.title == "p2" and after.body == "new" and after.marker == made.marker


def test_find_issue_is_the_bots_own_not_a_human_quoting_the_key(
    emu: GitLabEmulator, connector: GitLabConnector, dev: Any
) -> None:
    key = _key()
    dev.post("/projects/acme%2Fwidgets/issues", json={"title": "copy", "description": key})
    made = connector.create_issue(PROJECT, IssueDraft(title="mine", body="b"), key=key)
    assert connector.find_issue(PROJECT, key, made.created_at) == made


def test_poll_reads_notes_of_changed_issues_and_skips_system_notes(
    emu: GitLabEmulator, base_url: str
) -> None:
    path = _project(emu, "notes")
    conn = connect(base_url, projects=[path], poll_overlap=2)
    try:
        _, cursor = drain(conn, None)
        issue = conn.create_issue(path, IssueDraft(title="polled", body="b"), key=_key())
        conn.update_issue(issue.ref, add_labels=["bug"])  # GitLab adds a system note
        note = emu.actor_note(path, int(issue.ref.key.rsplit("#", 1)[1]), "a developer's note")
        iid = int(issue.ref.key.rsplit("#", 1)[1])
        assert [n["system"] for n in emu.notes(path, iid)] == [True, False]
        changes, cursor = drain(conn, cursor)
        assert [c.kind for c in changes if c.ref == issue.ref][:1] == [ChangeKind.UPSERT]
        notes = [c for c in changes if c.kind == ChangeKind.COMMENT]
        assert [c.comment.ref.key for c in notes] == [f"{issue.ref.key}/note-{note}"]
        assert not notes[0].comment.by_syncd and notes[0].comment.public
        # the overlap window asks again and drops what it returned
        again, _ = drain(conn, cursor)
        assert again == []
    finally:
        conn.close()


def test_poll_pages_through_a_burst_larger_than_one_call(
    emu: GitLabEmulator, base_url: str
) -> None:
    path = _project(emu, "many")
    conn = connect(base_url, projects=[path], per_page=5, max_poll_pages=2)
    try:
        _, cursor = drain(conn, None)
        time.sleep(0.01)
        made = [
            conn.create_issue(path, IssueDraft(title=f"i{n}", body=""), key=_key())
            for n in range(23)
        ]
        changes, _ = drain(conn, cursor)
        seen = {c.ref for c in changes if c.kind == ChangeKind.UPSERT}
        assert seen == {m.ref for m in made}
    finally:
        conn.close()


def test_spent_budget_is_rate_limited_with_the_wait_gitlab_asks(
    emu: GitLabEmulator, connector: GitLabConnector
) -> None:
    made = connector.create_issue(PROJECT, IssueDraft(title="r", body=""), key=_key())
    assert connector.rate_budget().limit == emu.control.budget.limit
    emu.exhaust_budget(BOT, for_seconds=40)
    with pytest.raises(RateLimited) as err:
        connector.get_issue(made.ref)
    assert 1 <= err.value.retry_after <= 40
    assert connector.rate_budget().remaining == 0
    emu.control.budget.used.clear()
    emu.control.faults.add("rate_limit", status=429, seconds=17, path=r"/issues/\d+$")
    with pytest.raises(RateLimited) as err:
        connector.get_issue(made.ref)
    assert err.value.retry_after == 17


def test_archived_project_and_guest_access_are_forbidden_writes(
    emu: GitLabEmulator, connector: GitLabConnector
) -> None:
    path = _project(emu, "old")
    made = connector.create_issue(path, IssueDraft(title="before", body=""), key=_key())
    emu.project(path).archived = True
    assert connector.get_issue(made.ref).title == "before"
    assert not connector.can_write(made.ref)
    with pytest.raises(Forbidden):
        connector.update_issue(made.ref, status=IssueStatus.DONE)
    emu.project(path).archived = False
    emu.set_access(BOT, path, 10)
    assert not connector.can_write(made.ref)
    emu.set_access(BOT, path, 0)
    with pytest.raises(NotFound):  # GitLab hides a private project from non-members
        connector.get_issue(made.ref)


def test_a_deleted_issue_is_not_found(emu: GitLabEmulator, connector: GitLabConnector) -> None:
    made = connector.create_issue(PROJECT, IssueDraft(title="gone", body=""), key=_key())
    emu.set_access(DEV, PROJECT, 50)
    try:
        emu.act(
            lambda s: (
                s.delete_issue(
                    DEV,
                    emu.project(PROJECT),
                    s.issue(emu.project(PROJECT), int(made.ref.key.rsplit("#", 1)[1])),
                )
                or []
            )
        )
    finally:
        emu.set_access(DEV, PROJECT, 30)
    with pytest.raises(NotFound):
        connector.get_issue(made.ref)
    with pytest.raises(NotFound):
        connector.comments(made.ref)


def test_syncds_writes_fire_hooks_it_recognises(
    emu: GitLabEmulator, connector: GitLabConnector
) -> None:
    made = connector.create_issue(PROJECT, IssueDraft(title="echo", body="b"), key=_key())
    event, headers, body = emu.control.webhooks.captured[-1]
    (change,) = connector.parse_webhook(headers, body).changes
    assert event == "Issue Hook" and change.actor == BOT and change.issue.marker == made.marker
    note = connector.add_comment(made.ref, "status", public=False, key=_key())
    event, headers, body = emu.control.webhooks.captured[-1]
    assert event == "Confidential Note Hook"
    connector.verify_webhook(headers, body)
    (change,) = connector.parse_webhook(headers, body).changes
    assert change.comment.ref == note.ref and change.comment.by_syncd and not change.comment.public


def test_the_registry_builds_it_with_a_token_file(base_url: str, tmp_path: Any) -> None:
    from syncd.registry import spec

    token_file = tmp_path / "token"
    token_file.write_text("syncd-token\n")
    gitlab = spec("gitlab")
    assert gitlab.demo_projects and gitlab.issue_reference is not None
    conn = gitlab.factory("gl2", make_settings(base_url, token=None, token_file=token_file), None)
    try:
        assert conn.name == "gl2" and conn.check() == BOT
    finally:
        conn.close()
