"""Hostile or odd GitHub deliveries: refused with the field named, never coerced, never a
crash; and the odd shapes GitHub really sends, accepted on purpose."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.github import webhooks
from syncd.errors import WebhookError
from syncd.model import ChangeKind
from tests.payloads import github_issues_event, github_pinned_event

from .webhook_support import RULES
from .webhook_support import parse_built as _built
from .webhook_support import signed_headers as _headers

API = "https://api.github.com/repos/acme/widgets"
ISSUE = {
    "number": 7,
    "title": "Crash",
    "state": "open",
    "labels": [{"name": "bug"}],
    "url": f"{API}/issues/7",
    "updated_at": "2019-05-15T15:20:18Z",
}
COMMENT = {"id": 12, "issue_url": f"{API}/issues/7", "body": "Seen it"}
HUGE_INT = "9" * 5000


def _body(issue: dict[str, Any] | None = None, **top: Any) -> bytes:
    doc = {"action": "opened", "issue": {**ISSUE, **(issue or {})}, **top}
    return json.dumps(doc).encode()


def _refused(event: str, body: bytes) -> str:
    with pytest.raises(WebhookError) as err:
        webhooks.parse(_headers(event, body), body, RULES)
    assert err.value.status == 400
    return err.value.reason


@pytest.mark.parametrize("number", ["1e400", "1e309", "-1e400", HUGE_INT, "7.0", "true", '"7"'])
def test_an_issue_number_that_is_not_an_integer_is_refused(number: str) -> None:
    body = _body().replace(b'"number": 7', f'"number": {number}'.encode())
    reason = _refused("issues", body)
    assert "issue.number" in reason or "not JSON" in reason


@pytest.mark.parametrize("number", ["0", "-1", str(2**63), str(10**30)])
def test_an_issue_number_out_of_range_is_refused(number: str) -> None:
    body = _body().replace(b'"number": 7', f'"number": {number}'.encode())
    assert _refused("issues", body).startswith("body: issue.number:")


@pytest.mark.parametrize("comment_id", ["1e400", HUGE_INT, '"12"', "12.5"])
def test_a_comment_id_that_is_not_an_integer_is_refused(comment_id: str) -> None:
    body = json.dumps({"action": "created", "issue": ISSUE, "comment": COMMENT}).encode()
    body = body.replace(b'"id": 12', f'"id": {comment_id}'.encode())
    reason = _refused("issue_comment", body)
    assert "comment.id" in reason or "not JSON" in reason


def test_labels_as_a_string_are_refused_not_split_into_letters() -> None:
    assert _refused("issues", _body({"labels": "bug"})).startswith("body: issue.labels:")


def test_labels_as_plain_strings_are_refused() -> None:
    assert _refused("issues", _body({"labels": ["bug"]})).startswith("body: issue.labels[0]:")


@pytest.mark.parametrize("state", [7, "opened", None, True])
def test_a_state_outside_open_and_closed_is_refused_not_read_as_open(state: Any) -> None:
    assert _refused("issues", _body({"state": state})).startswith("body: issue.state:")


@pytest.mark.parametrize(
    "stamp", ["yesterday", "2019-05-15T15:20:18", "9999-12-31T23:59:59-08:00", 1557933618]
)
def test_a_timestamp_that_is_not_an_aware_time_is_refused(stamp: Any) -> None:
    assert _refused("issues", _body({"updated_at": stamp})).startswith("body: issue.updated_at:")


@pytest.mark.parametrize(
    ("top", "field"),
    [
        ({"repository": {"full_name": "acme"}}, "repository.full_name"),
        ({"repository": {"full_name": "acme/wid gets"}}, "repository.full_name"),
        ({"sender": {"login": 5}}, "sender.login"),
        ({"action": 1}, "action"),
    ],
)
def test_envelope_fields_of_the_wrong_shape_are_refused(top: dict[str, Any], field: str) -> None:
    assert _refused("issues", _body(**top)).startswith(f"body: {field}:")


def test_a_comment_on_another_issue_than_the_payload_names_is_refused() -> None:
    comment = {**COMMENT, "issue_url": f"{API}/issues/8"}
    body = json.dumps({"action": "created", "issue": ISSUE, "comment": comment}).encode()
    assert "comment.issue_url" in _refused("issue_comment", body)


def test_a_transfer_that_names_no_new_issue_is_refused() -> None:
    body = _body(action="transferred", changes={"new_repository": {"full_name": "acme/other"}})
    assert _refused("issues", body).startswith("body: changes:")


def test_nullable_fields_github_sends_as_null_are_accepted() -> None:
    # GitHub sends an issue opened without a description with "body": null (octokit's
    # opened.with-empty-body example); assignee and milestone are null when unset
    (change,) = _built("issues", github_issues_event(body=None, assignee=None)).changes
    assert change.issue is not None and change.issue.body == ""
    body = _body({"body": None, "assignee": None, "milestone": None, "state_reason": None})
    (upsert,) = webhooks.parse(_headers("issues", body), body, RULES).changes
    assert upsert.issue is not None and upsert.issue.assignee is None


def test_an_issue_without_its_state_is_read_again_not_guessed() -> None:
    # pinned (octokit's pinned.payload.json): GitHub sends the issue without state or labels
    (change,) = _built("issues", github_pinned_event()).changes
    assert change.kind == ChangeKind.TOUCHED and change.issue is None


def test_without_a_repository_the_issue_url_names_it() -> None:
    (change,) = webhooks.parse(_headers("issues", _body()), _body(), RULES).changes
    assert change.ref.key == "acme/widgets#7"
    no_url = _body({"url": "https://api.github.com/issues/7"})
    assert _refused("issues", no_url).startswith("body: repository:")
