"""Hostile or odd GitLab deliveries: refused with the field named, never coerced, never a
crash; and the odd shapes GitLab really sends, accepted on purpose."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.gitlab import webhooks
from syncd.errors import WebhookError

from .test_webhooks import RULES, _issue_payload, _note_payload, headers

HUGE_INT = "9" * 5000


def _refused(event: str, doc: dict[str, Any] | bytes) -> str:
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    with pytest.raises(WebhookError) as err:
        webhooks.parse(headers(event), body, RULES)
    assert err.value.status == 400
    return err.value.reason


@pytest.mark.parametrize("iid", ["1e400", HUGE_INT, "7.0", "true", '"7"', "0", "-1", str(2**63)])
def test_an_iid_that_is_not_a_positive_integer_is_refused(iid: str) -> None:
    body = json.dumps(_issue_payload()).encode().replace(b'"iid": 7', f'"iid": {iid}'.encode())
    reason = _refused("Issue Hook", body)
    assert "object_attributes.iid" in reason or "not JSON" in reason


@pytest.mark.parametrize("state", ["open", "reopened", 7, None, True])
def test_a_state_outside_opened_and_closed_is_refused_not_read_as_open(state: Any) -> None:
    reason = _refused("Issue Hook", _issue_payload(state=state))
    assert reason.startswith("body: object_attributes.state:")


@pytest.mark.parametrize(
    "stamp", ["yesterday", "2019-05-15 15:20:18", "2019-05-15T15:20:18", 1557933618]
)
def test_a_time_without_a_zone_is_refused(stamp: Any) -> None:
    reason = _refused("Issue Hook", _issue_payload(updated_at=stamp))
    assert reason.startswith("body: object_attributes.updated_at:")


def test_labels_as_names_are_refused_hooks_send_objects() -> None:
    reason = _refused("Issue Hook", _issue_payload(labels=["bug"]))
    assert reason.startswith("body: object_attributes.labels[0]:")


@pytest.mark.parametrize("path", ["acme", "acme/wid gets", "../etc", "", 7])
def test_a_project_path_of_the_wrong_shape_is_refused(path: Any) -> None:
    doc = _issue_payload()
    doc["project"] = {"path_with_namespace": path}
    assert _refused("Issue Hook", doc).startswith("body: project.path_with_namespace:")


def test_a_hook_without_the_issue_state_is_refused() -> None:
    doc = _issue_payload()
    del doc["object_attributes"]["state"]
    assert "state and title" in _refused("Issue Hook", doc)


def test_a_note_on_an_issue_without_the_issue_is_refused() -> None:
    doc = _note_payload()
    del doc["issue"]
    assert _refused("Note Hook", doc).startswith("body: issue:")


@pytest.mark.parametrize("note_id", ["1e400", '"12"', "12.5", "0"])
def test_a_note_id_that_is_not_a_positive_integer_is_refused(note_id: str) -> None:
    body = json.dumps(_note_payload()).encode().replace(b'"id": 12', f'"id": {note_id}'.encode())
    reason = _refused("Note Hook", body)
    assert "object_attributes.id" in reason or "not JSON" in reason


def test_an_issue_hook_body_under_a_note_event_is_refused() -> None:
    assert _refused("Note Hook", _issue_payload()).startswith("body: object_kind:")


def test_no_event_header_and_a_body_that_is_not_an_object_are_refused() -> None:
    with pytest.raises(WebhookError, match="X-Gitlab-Event"):
        webhooks.parse({}, b"{}", RULES)
    assert "not a JSON object" in _refused("Push Hook", b"[1, 2]")
    assert "not JSON" in _refused("Issue Hook", b"{not json")


def test_nullable_fields_gitlab_sends_as_null_are_accepted() -> None:
    # an issue opened without a description: "description": null, as the docs' examples show
    (change,) = webhooks.parse(
        headers("Issue Hook"),
        json.dumps(_issue_payload(description=None)).encode(),
        RULES,
    ).changes
    assert change.issue is not None and change.issue.body == ""
    doc = _note_payload()
    doc["object_attributes"].update(internal=None, confidential=None)
    (note,) = webhooks.parse(headers("Note Hook"), json.dumps(doc).encode(), RULES).changes
    assert note.comment is not None and note.comment.public
