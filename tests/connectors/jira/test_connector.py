"""Jira-specific behaviour against both flavours of the emulator: workflow, visibility,
moves, lost access, errors, rate limits, polling pages and webhooks for syncd's own writes."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from pydantic import ValidationError

from connectors.jira import CONNECTOR, JiraSettings, webhooks
from syncd.errors import (
    CursorError,
    NotFound,
    PermanentError,
    RateLimited,
    TransientError,
    WebhookError,
)
from syncd.model import ChangeKind, IssueDraft, IssueStatus, Priority, Ref
from tests.connectors.contract import drain_pages
from tests.connectors.jira.conftest import Served


def key() -> str:
    return f"k-{uuid.uuid4().hex}"


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
    made = conn.create_issue("WID", IssueDraft(title="t", body="b"), key=key())
    after = conn.update_issue(made.ref, status=target)
    assert after.status == target
    stored = served.emu.issue(made.ref.key)
    assert stored.status == "10002" and stored.resolution is not None
    # changing only the reason of a closed issue corrects the resolution in place
    other = IssueStatus.DONE if target != IssueStatus.DONE else IssueStatus.WONT_DO
    assert conn.update_issue(made.ref, status=other).status == other


def test_in_progress_and_status_map(served: Served) -> None:
    conn = served.connector(status_map={"WID": {"in_progress": "In Review"}})
    made = conn.create_issue("WID", IssueDraft(title="t", body="b"), key=key())
    conn.update_issue(made.ref, status=IssueStatus.IN_PROGRESS)  # To Do -> In Progress
    assert served.emu.issue(made.ref.key).status == "3"
    plain = served.connector()
    other = plain.create_issue("WID", IssueDraft(title="t", body="b"), key=key())
    assert plain.update_issue(other.ref, status="in_progress").status == IssueStatus.IN_PROGRESS
    served.emu.human_transition(made.ref.key, "In Review")
    assert conn.get_issue(made.ref).status == IssueStatus.IN_PROGRESS


def test_priority_and_labels_edit(served: Served) -> None:
    conn = served.connector(
        priorities={"urgent": "Highest", "high": "High", "normal": "Medium", "low": "Lowest"}
    )
    made = conn.create_issue(
        "WID", IssueDraft(title="t", body="b", labels=frozenset({"a"})), key=key()
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
    made = conn.create_issue("WID", IssueDraft(title="moving", body="b"), key=key())
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
    gone = conn.create_issue("WID", IssueDraft(title="t", body="b"), key=key())
    served.emu.delete(gone.ref.key)
    with pytest.raises(NotFound):
        conn.get_issue(gone.ref)
    _, headers, body = served.emu.control.webhooks.captured[-1]
    assert conn.parse_webhook(headers, body).changes[0].kind == ChangeKind.DELETED
    hidden = conn.create_issue("WID", IssueDraft(title="t", body="b"), key=key())
    served.emu.hide_from_bot(hidden.ref.key)
    with pytest.raises(NotFound):
        conn.get_issue(hidden.ref)


def test_find_issue_with_since(served: Served) -> None:
    conn = served.connector()
    made = conn.create_issue("WID", IssueDraft(title="t", body="b"), key="k-since")
    assert made.created_at is not None
    found = conn.find_issue("WID", "k-since", made.created_at)
    assert found is not None and found.ref == made.ref


# -- comments -----------------------------------------------------------------------------


def test_internal_comments_stay_internal(served: Served) -> None:
    conn = served.connector(service_management=True)
    made = conn.create_issue("WID", IssueDraft(title="t", body="b"), key=key())
    internal = conn.add_comment(made.ref, "secret *note*", public=False, key="k-int")
    public = conn.add_comment(made.ref, "hello", public=True, key="k-pub")
    stored = {c["id"]: c for c in served.emu.issue(made.ref.key).comments}
    raw_internal = stored[internal.ref.key.split("/")[1]]
    assert raw_internal["visibility"] == {"type": "role", "value": "Developers"}
    assert raw_internal["properties"]["sd.public.comment"] == {"internal": True}
    assert stored[public.ref.key.split("/")[1]]["visibility"] is None
    assert not internal.public and public.public and internal.by_syncd
    edited = conn.edit_comment(internal.ref, made.ref, "still secret")
    assert not edited.public and edited.marker == "k-int" and edited.body == "still secret"
    # a developer's JSM-internal comment and a group-restricted one read as internal
    served.emu.human_comment(made.ref.key, "jsm internal", internal=True)
    served.emu.human_comment(
        made.ref.key, "group", visibility={"type": "group", "value": "developers"}
    )
    by_body = {c.body: c for c in conn.comments(made.ref)}
    assert not by_body["jsm internal"].public and not by_body["group"].public
    assert not by_body["group"].by_syncd


def test_comment_paging(served: Served) -> None:
    conn = served.connector()
    made = conn.create_issue("WID", IssueDraft(title="t", body="b"), key=key())
    for n in range(105):
        served.emu.store.issues[served.emu.issue(made.ref.key).id].comments.append(
            {
                "id": str(900000 + n),
                "author": "bob",
                "update_author": "bob",
                "body": f"c{n}"
                if served.flavour == "datacenter"
                else {
                    "type": "doc",
                    "version": 1,
                    "content": [
                        {"type": "paragraph", "content": [{"type": "text", "text": f"c{n}"}]}
                    ],
                },
                "created": served.emu.store.now(),
                "updated": served.emu.store.now(),
                "visibility": None,
                "properties": {},
            }
        )
    assert [c.body for c in conn.comments(made.ref)][-1] == "c104"


# -- changes ------------------------------------------------------------------------------


def test_poll_pages_and_overlap_never_repeat(served: Served) -> None:
    before = dict(served.emu.control.requests)  # the emulator is shared: count this test's own
    conn = served.connector(poll_page_size=2)
    _, cursor, _ = drain_pages(conn, None)
    _, cursor, _ = drain_pages(conn, cursor)  # absorb whatever earlier tests left in the window
    refs = [
        served.connector().create_issue("WID", IssueDraft(title=f"p{n}", body="b"), key=key()).ref
        for n in range(5)
    ]
    served.emu.human_comment(refs[0].key, "polled comment")
    changes, cursor, pages = drain_pages(conn, cursor)
    upserts = [c.ref for c in changes if c.kind == ChangeKind.UPSERT]
    assert set(refs) <= set(upserts) and len(upserts) == len(set(upserts))
    assert pages >= 3
    assert any(c.kind == ChangeKind.COMMENT and c.comment.body == "polled comment" for c in changes)
    again, _, _ = drain_pages(conn, cursor)
    assert again == []
    requests = {k: n - before.get(k, 0) for k, n in served.emu.control.requests.items()}
    requests = {k: n for k, n in requests.items() if n}
    if served.flavour == "cloud":
        assert requests["POST /rest/api/{n}/search/jql"] > 0
        assert not any(k.endswith("/search") for k in requests)  # removed on Cloud
    else:
        assert requests["GET /rest/api/{n}/search"] > 0


def test_webhooks_fire_for_syncd_writes_and_human_priority(served: Served) -> None:
    conn = served.connector()
    made = conn.create_issue("WID", IssueDraft(title="t", body="b"), key=key())
    events = [e for e, _, _ in served.emu.control.webhooks.captured[-3:]]
    assert "jira:issue_created" in events
    served.emu.human_priority(made.ref.key, "Highest")
    _, headers, body = served.emu.control.webhooks.captured[-1]
    conn.verify_webhook(headers, body)
    change = conn.parse_webhook(headers, body).changes[0]
    assert change.kind == ChangeKind.UPSERT and change.issue.priority == Priority.URGENT
    assert change.actor in ("alice", "5b10a2844c20165700ede21g")
    conn.add_comment(made.ref, "from syncd", public=True, key=key())
    comment_events = [
        conn.parse_webhook(h, b) for e, h, b in served.emu.control.webhooks.captured[-2:]
    ]
    mine = [c.comment for r in comment_events for c in r.changes if c.kind == ChangeKind.COMMENT]
    assert mine and all(c.by_syncd and c.body == "from syncd" for c in mine)
    if served.flavour == "cloud":
        assert webhooks.IDENTIFIER in {k.lower() for k in headers}


# -- errors and rate limits ---------------------------------------------------------------


def test_vendor_errors_are_translated(served: Served) -> None:
    conn = served.connector()
    faults = served.emu.control.faults
    faults.add("rate_limit", path="/myself", seconds=7)
    with pytest.raises(RateLimited) as limited:
        conn.check()
    assert limited.value.retry_after == 7
    faults.add("status", status=503, path="/myself")
    with pytest.raises(TransientError):
        conn.check()
    faults.add("reset", path="/myself")
    with pytest.raises(TransientError):
        conn.check()
    with pytest.raises(PermanentError):
        conn.create_issue("NOPE", IssueDraft(title="t", body="b"), key=key())
    faults.clear()
    assert conn.check() == conn.check()


def test_near_limit_is_reported(served: Served) -> None:
    conn = served.connector()
    budget = served.emu.control.budget
    conn.check()
    full = conn.rate_budget()
    assert full.limit == budget.limit and full.remaining is not None
    with budget.lock:
        budget.used["syncd-bot"] = int(budget.limit * 0.9)
    try:
        conn.check()
        assert conn.client.near_limit
        assert (
            conn.rate_budget().remaining is not None
            and conn.rate_budget().remaining < full.remaining
        )
    finally:
        with budget.lock:
            budget.used["syncd-bot"] = 0


def test_parse_webhook_rejects_garbage(served: Served) -> None:
    conn = served.connector()
    body = json.dumps(
        {"webhookEvent": "jira:issue_updated", "issue": {"key": "A-1", "fields": "x"}}
    )
    with pytest.raises(WebhookError) as err:
        conn.parse_webhook({}, body.encode())
    assert err.value.status == 400


def test_a_cursor_written_before_versions_is_upgraded(served: Served) -> None:
    conn = served.connector()
    _, current, _ = drain_pages(conn, None)
    assert current is not None and json.loads(current)["v"] == 1
    legacy = json.dumps({k: v for k, v in json.loads(current).items() if k != "v"})
    conn.check_cursor(legacy)
    page = conn.poll(legacy)
    assert page.cursor is not None and json.loads(page.cursor)["v"] == 1


def test_an_unreadable_cursor_costs_no_request(served: Served) -> None:
    conn = served.connector()
    before = sum(served.emu.control.requests.values())
    with pytest.raises(CursorError, match="jira"):
        conn.poll('{"hw": "yesterday", "seen": {}}')
    assert sum(served.emu.control.requests.values()) == before
