"""Polling the real Redmine: what an idle poll costs, what a changed issue brings, paging,
and private notes staying internal."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest

from connectors.redmine import RedmineConnector
from syncd.errors import NotFound
from syncd.model import ChangeKind
from tests.connectors.contract import drain

from .harness import INSTANCE, RedmineHarness, settings


def _settled(conn: RedmineConnector, cursor: str | None) -> str | None:
    """Poll until a poll brings nothing (the overlap window may repeat nothing new)."""
    for _ in range(20):
        changes, cursor = drain(conn, cursor)
        if not changes:
            return cursor
        # an issue read inside its stamp's second is read again once the second is over
        time.sleep(0.3)
    raise AssertionError("the poll never settled")


def test_an_idle_poll_is_one_request(harness: RedmineHarness) -> None:
    conn = harness.connector
    assert isinstance(conn, RedmineConnector)
    cursor = _settled(conn, drain(conn, None)[1])
    before = conn.client.requests
    page = conn.poll(cursor)
    assert page.changes == [] and not page.more
    assert conn.client.requests - before == 1


def test_a_changed_issue_is_read_once_with_its_notes(harness: RedmineHarness) -> None:
    conn = harness.connector
    assert isinstance(conn, RedmineConnector)
    cursor = _settled(conn, drain(conn, None)[1])
    time.sleep(1.1)  # Redmine's times have whole seconds
    ref = harness.human_create(f"changed {uuid.uuid4().hex[:6]}")
    harness.human_comment(ref, "seen by customers", public=True)
    harness.human_comment(ref, "developers only", public=False)
    before = conn.client.requests
    changes, cursor = drain(conn, cursor)
    # the list, then the one changed issue with its journals
    assert conn.client.requests - before == 2
    upserts = [c for c in changes if c.kind == ChangeKind.UPSERT]
    assert [c.ref for c in upserts] == [ref]
    notes = {c.comment.body: c.comment for c in changes if c.kind == ChangeKind.COMMENT}
    assert notes["seen by customers"].public and not notes["developers only"].public
    assert not any(n.by_syncd for n in notes.values())
    # read inside the second it was stamped, the issue is read once more after that second
    # (a second change in it would carry the same stamp), then never again
    time.sleep(1.1)
    again, cursor = drain(conn, cursor)
    assert {c.ref for c in again} <= {ref}
    assert drain(conn, cursor)[0] == []


def test_a_change_in_the_same_second_is_not_lost(harness: RedmineHarness) -> None:
    conn = harness.connector
    assert isinstance(conn, RedmineConnector)
    cursor = _settled(conn, drain(conn, None)[1])
    time.sleep(1.1)
    ref = harness.human_create(f"same second {uuid.uuid4().hex[:6]}")
    first, cursor = drain(conn, cursor)
    harness.human_comment(ref, "right after", public=True)  # very likely the same second
    time.sleep(1.1)
    later, cursor = drain(conn, cursor)
    bodies = [c.comment.body for c in [*first, *later] if c.kind == ChangeKind.COMMENT]
    assert "right after" in bodies


def test_syncd_notes_keep_their_privacy(harness: RedmineHarness) -> None:
    conn = harness.connector
    ref = harness.human_create("privacy")
    internal = conn.add_comment(ref, "internal detail", public=False, key=f"k-{uuid.uuid4().hex}")
    public = conn.add_comment(ref, "for everyone", public=True, key=f"k-{uuid.uuid4().hex}")
    raw = harness.dev.raw(ref, include="journals")
    journals = {j["notes"].split("\n")[0]: j for j in raw["journals"]}
    assert journals["internal detail"]["private_notes"] is True
    assert journals["for everyone"]["private_notes"] is False
    assert not internal.public and public.public


def test_pages_through_many_issues(harness: RedmineHarness, info: dict[str, Any]) -> None:
    conn = RedmineConnector(INSTANCE, settings(info, projects=[harness.project], page_size=2), None)
    try:
        cursor = _settled(conn, drain(conn, None)[1])
        time.sleep(1.1)
        made = {harness.human_create(f"many {i} {uuid.uuid4().hex[:4]}") for i in range(7)}
        changes, _ = drain(conn, cursor)
        seen = {c.ref for c in changes if c.kind == ChangeKind.UPSERT}
        assert made <= seen
    finally:
        conn.close()


def test_only_watched_projects_are_polled(harness: RedmineHarness, info: dict[str, Any]) -> None:
    conn = RedmineConnector(INSTANCE, settings(info, projects=[info["private_project"]]), None)
    try:
        cursor = _settled(conn, drain(conn, None)[1])
        time.sleep(1.1)
        elsewhere = harness.human_create("in widgets")
        there = harness.dev.create_issue(info["private_project"], "in secret")
        refs = {c.ref for c in drain(conn, cursor)[0]}
        assert there in refs and elsewhere not in refs
        assert conn.project_of(there) == info["private_project"]
        assert conn.is_public(info["private_project"]) is False
    finally:
        conn.close()


def test_a_deleted_issue_is_not_found(harness: RedmineHarness, info: dict[str, Any]) -> None:
    conn = harness.connector
    ref = harness.human_create("to delete")
    assert conn.get_issue(ref).ref == ref
    admin = {"X-Redmine-API-Key": info["admin_key"]}
    httpx.delete(f"{info['base_url']}/issues/{ref.key}.json", headers=admin).raise_for_status()
    with pytest.raises(NotFound):
        conn.get_issue(ref)
    with pytest.raises(NotFound):
        conn.comments(ref)
