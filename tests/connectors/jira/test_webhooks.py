"""Every captured Jira webhook parses and the interesting ones give exactly the expected change
(the tests marked ``vendor_samples``); deliveries built in Jira's documented shape cover the
parser's branches without them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connectors.jira import webhooks
from connectors.jira.settings import DEFAULT_PRIORITIES
from syncd.errors import WebhookError
from syncd.model import ChangeKind, IssueStatus, Priority, Ref
from tests.conftest import sample_files
from tests.connectors.jira.conftest import SAMPLES
from tests.payloads import jira_comment, jira_event, jira_issue, jira_status

HOOKS = SAMPLES / "webhooks"
CTX = webhooks.Context(
    connector="jira",
    base_url="https://jira.example.com",
    priorities=DEFAULT_PRIORITIES,
    bot=("syncd-bot",),
)


def parse(name: str, headers: dict[str, str] | None = None) -> Any:
    body = (HOOKS / f"webhook-{name}.json").read_bytes()
    return webhooks.parse(CTX, headers or {}, body)


def built(doc: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return webhooks.parse(CTX, headers or {}, json.dumps(doc).encode())


@pytest.mark.vendor_samples
def test_samples_are_there() -> None:
    assert len(list(HOOKS.glob("*.json"))) >= 50


@pytest.mark.vendor_samples
@pytest.mark.parametrize("path", sample_files("jira/webhooks"))
def test_every_sample_parses(path: Path) -> None:
    result = webhooks.parse(CTX, {}, path.read_bytes())
    assert result.event == json.loads(path.read_bytes())["webhookEvent"]
    assert result.delivery_id
    for change in result.changes:
        assert change.source == "webhook"
        assert change.at is not None


def only(result: Any, kind: ChangeKind) -> Any:
    found = [c for c in result.changes if c.kind == kind]
    assert len(found) == 1, result.changes
    return found[0]


@pytest.mark.vendor_samples
def test_issue_created() -> None:
    result = parse("issue-created")
    change = only(result, ChangeKind.UPSERT)
    assert [c.kind for c in result.changes] == [ChangeKind.UPSERT]
    issue = change.issue
    assert change.ref == Ref.issue("jira", "TES-41")
    assert issue.title == "Unit test summary"
    assert issue.body == "Unit test description, not that long"
    assert issue.status == IssueStatus.TODO
    assert issue.priority == Priority.HIGH
    assert issue.url == "https://jira.example.com/browse/TES-41"
    assert change.actor == "5c5f880629be9642ba529340"


@pytest.mark.vendor_samples
def test_cloud_issue_created_with_many_fields() -> None:
    change = only(parse("cloud-issue-created-many-fields"), ChangeKind.UPSERT)
    assert change.ref.key == "KT-22" and change.issue.priority == Priority.NORMAL
    assert change.issue.assignee


@pytest.mark.vendor_samples
def test_resolved_is_done() -> None:
    change = only(parse("issue-updated-resolved"), ChangeKind.UPSERT)
    assert change.issue.status == IssueStatus.DONE
    assert change.at is not None and change.at.year == 2019


@pytest.mark.vendor_samples
@pytest.mark.parametrize(
    ("sample", "status"),
    [
        ("server-issue-updated-resolved", IssueStatus.DONE),
        ("server-issue-updated-closed", IssueStatus.DONE),
        ("issue-updated-reopened", IssueStatus.TODO),
        ("server-issue-updated-reopened", IssueStatus.TODO),
        ("issue-updated-started-working", IssueStatus.IN_PROGRESS),
        ("server-issue-updated-in-progress", IssueStatus.IN_PROGRESS),
    ],
)
def test_an_updated_status_is_read(sample: str, status: IssueStatus) -> None:
    assert only(parse(sample), ChangeKind.UPSERT).issue.status == status


@pytest.mark.vendor_samples
def test_priority_raised_and_lowered() -> None:
    assert only(parse("issue-updated-raised-priority"), ChangeKind.UPSERT).issue.priority == "high"
    assert only(parse("issue-updated-lowered-priority"), ChangeKind.UPSERT).issue.priority == "low"


@pytest.mark.vendor_samples
def test_server_highest_priority_is_urgent() -> None:
    change = only(parse("server-issue-updated-many-fields"), ChangeKind.UPSERT)
    assert change.issue.priority == Priority.URGENT


@pytest.mark.vendor_samples
def test_assignee_and_unassigned() -> None:
    assert only(parse("issue-updated-assigned"), ChangeKind.UPSERT).issue.assignee == "Test User"
    assert only(parse("issue-updated-assigned-nobody"), ChangeKind.UPSERT).issue.assignee is None


@pytest.mark.vendor_samples
def test_labels() -> None:
    change = only(parse("issue-updated-labels"), ChangeKind.UPSERT)
    assert change.issue.labels == frozenset({"sad", "test-label"})


@pytest.mark.vendor_samples
def test_cloud_comment_created() -> None:
    result = parse("cloud-comment-created", {"X-Atlassian-Webhook-Identifier": "abc-1"})
    assert result.delivery_id == "abc-1"
    change = only(result, ChangeKind.COMMENT)
    comment = change.comment
    assert change.ref == Ref.issue("jira", "TES-41")
    assert comment.ref == Ref.comment("jira", "10040/10019")
    assert comment.body == "Added a comment" and comment.public
    assert not comment.by_syncd and comment.author == "Test User"
    assert change.actor == "5c5f880629be9642ba529340"


@pytest.mark.vendor_samples
def test_cloud_comment_updated_and_deleted() -> None:
    edited = only(parse("cloud-comment-updated"), ChangeKind.COMMENT)
    assert edited.comment.ref.key == "10040/10019"
    deleted = only(parse("cloud-comment-deleted"), ChangeKind.COMMENT_DELETED)
    assert deleted.ref == Ref.issue("jira", "KT-7")
    assert deleted.comment.ref.key == "10357/10757"


@pytest.mark.vendor_samples
def test_server_comment_events_without_issue_give_no_change() -> None:
    # Server pairs each with a jira:issue_updated that names the issue
    for name in ("server-comment-created", "server-comment-updated", "server-comment-deleted"):
        assert list(parse(name).changes) == []


@pytest.mark.vendor_samples
def test_server_issue_commented() -> None:
    change = only(parse("server-issue-updated-commented-1"), ChangeKind.COMMENT)
    assert change.ref == Ref.issue("jira", "PRJX-14")
    assert change.comment.ref.key == "10013/10082"
    assert change.comment.body == "unik"
    assert change.actor == "levbrouk"


@pytest.mark.vendor_samples
def test_server_comment_edited_and_deleted() -> None:
    edited = only(parse("server-issue-updated-comment-edited"), ChangeKind.COMMENT)
    assert edited.comment.ref.key == "10013/10084"
    deleted = parse("server-issue-updated-comment-deleted")
    assert only(deleted, ChangeKind.TOUCHED).ref == Ref.issue("jira", "PRJX-14")


@pytest.mark.vendor_samples
def test_old_server_payloads_without_event_type() -> None:
    commented = only(parse("server-old-issue-updated-no-event-type-commented"), ChangeKind.COMMENT)
    assert commented.comment.ref.key == "10013/10082" and commented.comment.body == "unik"
    edited = only(
        parse("server-old-issue-updated-no-event-type-comment-edited"), ChangeKind.COMMENT
    )
    assert edited.comment.ref.key == "10013/10084"
    gone = parse("server-old-issue-updated-no-event-type-comment-deleted")
    assert only(gone, ChangeKind.TOUCHED).ref.key == "PRJX-14"
    assigned = only(parse("server-old-issue-updated-no-event-type-assigned"), ChangeKind.UPSERT)
    assert assigned.issue.assignee == "Test User"
    edited_issue = only(parse("server-old-issue-updated-no-event-type-edited"), ChangeKind.UPSERT)
    assert edited_issue.issue.body == "Unit test description, not that long, a little longer now"


@pytest.mark.vendor_samples
def test_issue_deleted() -> None:
    change = only(parse("issue-deleted"), ChangeKind.DELETED)
    assert change.ref == Ref.issue("jira", "IDT-19") and change.issue is None


@pytest.mark.vendor_samples
def test_wiki_markup_comment_becomes_markdown_with_mentions_as_text() -> None:
    change = only(parse("issue-comment-created-indentation"), ChangeKind.COMMENT)
    assert change.comment.body == (
        "@Test creating a test comment\n\na second line for the test comment"
    )
    mention = only(parse("server-issue-updated-commented-mention-user"), ChangeKind.COMMENT)
    assert mention.comment.body == "unik with mentioned user @user"


def test_moved_issue_from_key_changelog() -> None:
    moved_item = {"field": "Key", "fieldtype": "jira", "fromString": "OLD-3", "toString": "WID-7"}
    result = built(jira_event(changelog=[moved_item]))
    moved = only(result, ChangeKind.MOVED)
    assert moved.ref == Ref.issue("jira", "OLD-3")
    assert moved.new_ref == Ref.issue("jira", "WID-7")
    assert only(result, ChangeKind.UPSERT).ref == Ref.issue("jira", "WID-7")


def test_delivery_id_is_stable_without_identifier() -> None:
    created = jira_event("jira:issue_created", "issue_created")
    labelled = jira_event(changelog=[{"field": "labels", "fromString": "", "toString": "x"}])
    assert built(created).delivery_id == built(created).delivery_id
    assert built(created).delivery_id != built(labelled).delivery_id
    assert built(created, {"X-Atlassian-Webhook-Identifier": "abc-1"}).delivery_id == "abc-1"


def test_built_issue_events() -> None:
    created = built(jira_event("jira:issue_created", "issue_created"))
    (change,) = created.changes
    assert created.event == "jira:issue_created"
    assert change.kind == ChangeKind.UPSERT and change.ref == Ref.issue("jira", "WID-7")
    issue = change.issue
    assert issue.title == "Export fails for large files"
    assert issue.body == "Exporting a file over 2 GB stops at 99%."
    assert issue.status == IssueStatus.TODO and issue.priority == Priority.HIGH
    assert issue.labels == frozenset({"from-support"}) and issue.assignee is None
    assert issue.url == "https://jira.example.com/browse/WID-7"
    assert change.actor == "5c5f880629be9642ba529340" and change.at is not None
    assert change.partial == frozenset()
    doing = jira_issue(status=jira_status("In Progress", "indeterminate"))
    assert only(built(jira_event(issue=doing)), ChangeKind.UPSERT).issue.status == "in_progress"
    done = jira_issue(status=jira_status("Done", "done"), resolution={"name": "Won't Do"})
    assert only(built(jira_event(issue=done)), ChangeKind.UPSERT).issue.status == "wont_do"
    (gone,) = built(jira_event("jira:issue_deleted", None)).changes
    assert gone.kind == ChangeKind.DELETED and gone.issue is None


def test_built_comment_events() -> None:
    commented = jira_event(type_name="issue_commented", comment=jira_comment("*Fixed* in 4.3"))
    change = only(built(commented), ChangeKind.COMMENT)
    assert change.ref == Ref.issue("jira", "WID-7")
    assert change.comment.ref == Ref.comment("jira", "10040/10019")
    assert change.comment.body == "**Fixed** in 4.3" and change.comment.public
    assert change.comment.author == "Alice Developer" and not change.comment.by_syncd
    cloud = jira_event("comment_created", None, comment=jira_comment("Seen"))
    assert only(built(cloud), ChangeKind.COMMENT).comment.body == "Seen"
    deleted = jira_event("comment_deleted", None, comment=jira_comment())
    assert only(built(deleted), ChangeKind.COMMENT_DELETED).comment.ref.key == "10040/10019"
    server = jira_event("comment_created", None, comment=jira_comment())
    del server["issue"]  # Server names the issue in the paired jira:issue_updated
    assert list(built(server).changes) == []
    gone = jira_event(type_name="issue_comment_deleted")
    assert only(built(gone), ChangeKind.TOUCHED).ref == Ref.issue("jira", "WID-7")


def test_signature() -> None:
    body = json.dumps(jira_event("jira:issue_created", "issue_created")).encode()
    good = {"X-Hub-Signature": webhooks.sign("k", body)}
    webhooks.verify("k", good, body)
    webhooks.verify(None, {}, body)  # no secret configured: unsigned deliveries pass
    for headers in (
        {},
        {"X-Hub-Signature": "sha256=00"},
        {"x-hub-signature": good["X-Hub-Signature"][:-1]},
    ):
        with pytest.raises(WebhookError) as err:
            webhooks.verify("k", headers, body)
        assert err.value.status == 401


def test_not_jira_json_is_400() -> None:
    for body in (b"{", b"[]", b'{"hello": 1}'):
        with pytest.raises(WebhookError) as err:
            webhooks.parse(CTX, {}, body)
        assert err.value.status == 400
