"""Jira-specific behaviour against both flavours of the emulator: settings and credentials,
the workflow, moves, deleted and hidden issues, and finding an issue by its key."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from connectors.jira import CONNECTOR, JiraSettings
from syncd.errors import (
    NotFound,
)
from syncd.model import ChangeKind, IssueDraft, IssueStatus, Priority, Ref
from tests.connectors.contract import drain_pages
from tests.connectors.jira.conftest import Served, new_key

# -- settings -----------------------------------------------------------------------------


def test_spec_is_registered_data() -> None:
    assert CONNECTOR.kind == "jira" and CONNECTOR.settings is JiraSettings


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"flavour": "cloud", "email": "a@b.c"}, "api_token"),
        ({"flavour": "cloud", "api_token": "t"}, "email"),
        ({"flavour": "cloud", "email": "a@b.c", "api_token": "t", "pat": "p"}, "Data Center"),
        ({"flavour": "datacenter"}, "pat"),
        ({"flavour": "datacenter", "pat": "p", "username": "u", "password": "x"}, "not both"),
        ({"flavour": "datacenter", "username": "u"}, "password"),
        ({"flavour": "datacenter", "api_token": "t", "pat": "p"}, "Cloud"),
    ],
)
def test_wrong_credentials_for_flavour_are_explained(values: dict, message: str) -> None:
    with pytest.raises(ValidationError) as err:
        JiraSettings.model_validate({"kind": "jira", "base_url": "https://j.example"} | values)
    assert message in str(err.value)


def test_secret_from_file(tmp_path: Path, datacenter: Served) -> None:
    (tmp_path / "pat").write_text("bot-token\n")
    settings = datacenter.settings(pat=None, pat_file=tmp_path / "pat")
    assert CONNECTOR.factory("jira", settings, None).check() == "syncd-bot"


# -- issues and the workflow --------------------------------------------------------------


def test_create_carries_link_property_components_and_native_body(served: Served) -> None:
    conn = served.connector()
    draft = IssueDraft(
        title="Export fails",
        body="It **fails**:\n\n- on save",
        priority=Priority.URGENT,
        components=("Backend",),
        issue_type="Bug",
        origin_url="https://help.example.com/tickets/42",
        origin_title="Ticket 42",
    )
    made = conn.create_issue("WID", draft, key="k-42")
    stored = served.emu.issue(made.ref.key)
    assert stored.properties["syncd"] == {"key": "k-42"}
    assert stored.remotelinks[0]["globalId"] == "https://help.example.com/tickets/42"
    assert stored.components == ["Backend"] and stored.issuetype == "10002"
    if served.flavour == "cloud":
        assert stored.description["type"] == "doc"
    else:
        assert stored.description == "It *fails*:\n\n* on save"
    assert made.body == "It **fails**:\n\n- on save"
    assert made.priority == Priority.URGENT and made.marker == "k-42"


@pytest.mark.parametrize(
    ("target", "resolution"),
    [
        (IssueStatus.DONE, "Done"),
        (IssueStatus.WONT_DO, "Won't Do"),
        (IssueStatus.DUPLICATE, "Duplicate"),
    ],
)
def test_closing_sets_the_resolution(served: Served, target: IssueStatus, resolution: str) -> None:
    conn = served.connector()
    made = conn.create_issue("WID", IssueDraft(title="t", body="b"), key=new_key())
    after = conn.update_issue(made.ref, status=target)
    assert after.status == target
    stored = served.emu.issue(made.ref.key)
    assert stored.status == "10002" and stored.resolution is not None
    # changing only the reason of a closed issue corrects the resolution in place
    other = IssueStatus.DONE if target != IssueStatus.DONE else IssueStatus.WONT_DO
    assert conn.update_issue(made.ref, status=other).status == other


def test_in_progress_and_status_map(served: Served) -> None:
    conn = served.connector(status_map={"WID": {"in_progress": "In Review"}})
    made = conn.create_issue("WID", IssueDraft(title="t", body="b"), key=new_key())
    conn.update_issue(made.ref, status=IssueStatus.IN_PROGRESS)  # To Do -> In Progress
    assert served.emu.issue(made.ref.key).status == "3"
    plain = served.connector()
    other = plain.create_issue("WID", IssueDraft(title="t", body="b"), key=new_key())
    assert plain.update_issue(other.ref, status="in_progress").status == IssueStatus.IN_PROGRESS
    served.emu.human_transition(made.ref.key, "In Review")
    assert conn.get_issue(made.ref).status == IssueStatus.IN_PROGRESS


def test_priority_and_labels_edit(served: Served) -> None:
    conn = served.connector(
        priorities={"urgent": "Highest", "high": "High", "normal": "Medium", "low": "Lowest"}
    )
    made = conn.create_issue(
        "WID", IssueDraft(title="t", body="b", labels=frozenset({"a"})), key=new_key()
    )
    after = conn.update_issue(
        made.ref, priority=Priority.LOW, add_labels=["b"], remove_labels=["a"], title="t2"
    )
    assert (
        after.priority == Priority.LOW and after.labels == frozenset({"b"}) and after.title == "t2"
    )
    assert served.emu.issue(made.ref.key).priority == "5"


def test_moved_issue_keeps_its_link_under_the_new_key(served: Served) -> None:
    conn = served.connector(projects=["WID", "OPS"])
    made = conn.create_issue("WID", IssueDraft(title="moving", body="b"), key=new_key())
    _, cursor, _ = drain_pages(conn, None)
    _, cursor, _ = drain_pages(conn, cursor)
    moved = served.emu.move(made.ref.key, "OPS")
    read = conn.get_issue(made.ref)
    assert read.ref == Ref.issue("jira", moved.key) and read.ref != made.ref
    _, headers, body = served.emu.control.webhooks.captured[-1]
    result = conn.parse_webhook(headers, body)
    assert [c.kind for c in result.changes] == [ChangeKind.MOVED, ChangeKind.UPSERT]
    assert result.changes[0].ref == made.ref and result.changes[0].new_ref == read.ref
    polled, _, _ = drain_pages(conn, cursor)
    assert any(c.kind == ChangeKind.MOVED and c.new_ref == read.ref for c in polled)


def test_deleted_and_hidden_issues_are_not_found(served: Served) -> None:
    conn = served.connector()
    gone = conn.create_issue("WID", IssueDraft(title="t", body="b"), key=new_key())
    served.emu.delete(gone.ref.key)
    with pytest.raises(NotFound):
        conn.get_issue(gone.ref)
    _, headers, body = served.emu.control.webhooks.captured[-1]
    assert conn.parse_webhook(headers, body).changes[0].kind == ChangeKind.DELETED
    hidden = conn.create_issue("WID", IssueDraft(title="t", body="b"), key=new_key())
    served.emu.hide_from_bot(hidden.ref.key)
    with pytest.raises(NotFound):
        conn.get_issue(hidden.ref)


def test_find_issue_with_since(served: Served) -> None:
    conn = served.connector()
    made = conn.create_issue("WID", IssueDraft(title="t", body="b"), key="k-since")
    assert made.created_at is not None
    found = conn.find_issue("WID", "k-since", made.created_at)
    assert found is not None and found.ref == made.ref
