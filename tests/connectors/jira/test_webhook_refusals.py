"""Hostile or odd Jira deliveries: refused with the field named, never coerced, never a
crash (built in Jira's documented shape); and the odd shapes Jira really sends, accepted on
purpose (marked ``vendor_samples``; each names its sample in ``vendor-samples/jira/webhooks``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.jira import webhooks
from syncd.errors import WebhookError
from syncd.model import ChangeKind, Ref
from tests.payloads import jira_comment, jira_event

from .test_webhooks import CTX, HOOKS, only, parse

HUGE_INT = "9" * 5000


def _sample(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((HOOKS / f"webhook-{name}.json").read_bytes())
    return doc


def _refused(body: bytes | dict[str, Any]) -> str:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    with pytest.raises(WebhookError) as err:
        webhooks.parse(CTX, {}, raw)
    assert err.value.status == 400
    return err.value.reason


@pytest.mark.parametrize(
    "stamp", ["1e400", "1e309", "-1e400", HUGE_INT, str(10**20), "-1", "1.5", '"1550287000000"']
)
def test_a_timestamp_that_is_not_epoch_milliseconds_is_refused(stamp: str) -> None:
    body = json.dumps(jira_event("jira:issue_created", "issue_created")).encode()
    doc = json.loads(body)
    body = body.replace(
        f'"timestamp": {doc["timestamp"]}'.encode(), f'"timestamp": {stamp}'.encode()
    )
    reason = _refused(body)
    assert reason.startswith("body: timestamp:") or "not JSON" in reason


@pytest.mark.parametrize("key", [41, None, "TES 41", "41", ["TES-41"]])
def test_an_issue_key_that_is_not_a_key_is_refused(key: Any) -> None:
    doc = jira_event("jira:issue_created", "issue_created")
    doc["issue"]["key"] = key
    assert _refused(doc).startswith("body: issue.key:")


def test_fields_as_a_list_are_refused() -> None:
    doc = jira_event()
    doc["issue"]["fields"] = list(doc["issue"]["fields"].values())
    assert _refused(doc).startswith("body: issue.fields:")


def test_an_update_without_fields_is_refused_not_taken_as_an_empty_issue() -> None:
    doc = jira_event()
    del doc["issue"]["fields"]
    assert _refused(doc).startswith("body: issue.fields:")


def test_a_deletion_without_fields_needs_only_the_key() -> None:
    doc = jira_event("jira:issue_deleted", None)
    del doc["issue"]["fields"]
    result = webhooks.parse(CTX, {}, json.dumps(doc).encode())
    assert only(result, ChangeKind.DELETED).ref == Ref.issue("jira", "WID-7")


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("issue", "fields", "labels"), "sad", "issue.fields.labels"),
        (("issue", "fields", "summary"), 7, "issue.fields.summary"),
        (("issue", "fields", "status", "statusCategory", "key"), "closed", "issue.fields.status"),
        (("issue", "fields", "updated"), "yesterday", "issue.fields.updated"),
        (("issue", "fields", "description"), {"type": "doc"}, "issue.fields.description"),
        (("issue", "id"), 10040, "issue.id"),
        (("comment", "id"), "1e400", "comment.id"),
        (("comment", "id"), 10019, "comment.id"),
        (("user",), "admin", "user"),
    ],
)
def test_fields_of_the_wrong_shape_are_refused(
    path: tuple[str, ...], value: Any, field: str
) -> None:
    doc = jira_event(type_name="issue_commented", comment=jira_comment())
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    assert _refused(doc).startswith(f"body: {field}")


def test_a_moved_key_that_is_not_a_key_is_refused() -> None:
    doc = jira_event(changelog=[{"field": "Key", "fromString": "not a key"}])
    assert _refused(doc).startswith("body: changelog.items:")


@pytest.mark.vendor_samples
def test_timestamps_are_epoch_milliseconds_in_every_sample() -> None:
    # webhook-issue-created.json and every other sample: "timestamp" is a JSON integer
    assert parse("issue-created").changes[0].at.year == 2019
    assert all(isinstance(_sample(p.stem[8:])["timestamp"], int) for p in HOOKS.glob("*.json"))


@pytest.mark.vendor_samples
def test_old_server_payloads_without_an_event_type_are_read() -> None:
    # webhook-server-old-issue-updated-no-event-type-commented.json
    doc = _sample("server-old-issue-updated-no-event-type-commented")
    assert "issue_event_type_name" not in doc
    assert only(parse("server-old-issue-updated-no-event-type-commented"), ChangeKind.COMMENT)


@pytest.mark.vendor_samples
def test_server_comment_events_without_an_issue_are_acknowledged() -> None:
    # webhook-server-comment-created.json: Server names the issue in the paired issue_updated
    assert "issue" not in _sample("server-comment-created")
    assert list(parse("server-comment-created").changes) == []


@pytest.mark.vendor_samples
def test_nullable_fields_jira_sends_as_null_are_accepted() -> None:
    # webhook-issue-created-no-description.json, webhook-issue-updated-assigned-nobody.json
    assert only(parse("issue-created-no-description"), ChangeKind.UPSERT).issue.body == ""
    assert only(parse("issue-updated-assigned-nobody"), ChangeKind.UPSERT).issue.assignee is None


@pytest.mark.vendor_samples
def test_fields_jira_leaves_out_of_a_snapshot_are_marked_partial() -> None:
    # webhook-issue-assigned-empty-changelog.json: no labels, fixVersions, created, resolution,
    # attachment
    change = only(parse("issue-assigned-empty-changelog"), ChangeKind.UPSERT)
    assert change.partial == frozenset({"labels", "milestone", "created_at", "files"})
    whole = only(parse("issue-updated-labels"), ChangeKind.UPSERT)
    assert whole.partial == frozenset()


def test_null_and_left_out_fields_of_a_built_snapshot() -> None:
    doc = jira_event(type_name="issue_assigned")
    fields = doc["issue"]["fields"]
    fields["description"] = None
    for name in ("labels", "fixVersions", "created"):
        del fields[name]
    change = only(webhooks.parse(CTX, {}, json.dumps(doc).encode()), ChangeKind.UPSERT)
    assert change.issue.body == "" and change.issue.assignee is None
    assert change.partial == frozenset({"labels", "milestone", "created_at"})
