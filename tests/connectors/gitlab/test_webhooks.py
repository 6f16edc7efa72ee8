"""GitLab deliveries: the secret token, and GitLab's published payloads (its webhook
documentation, go-gitlab's and gitlab4j's test data) read into changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connectors.gitlab import webhooks
from connectors.gitlab.mapping import Rules
from syncd.errors import WebhookError
from syncd.model import ChangeKind, IssueStatus, Priority
from tests.conftest import sample_files
from tests.connectors.kit import load

RULES = Rules(
    instance="gl",
    priority_labels={"high": "priority::high"},
    in_progress_labels=("workflow::in progress",),
    wont_do_labels=("won't do",),
    bot_username="syncd-bot",
)


def headers(event: str, token: str = "s3cret") -> dict[str, str]:
    return {"X-Gitlab-Event": event, "X-Gitlab-Token": token, "Idempotency-Key": "k-1"}


def parse(event: str, payload: dict[str, Any]) -> list[Any]:
    body = json.dumps(payload).encode()
    return list(webhooks.parse(headers(event), body, RULES).changes)


def test_the_token_is_compared_whole() -> None:
    webhooks.verify(headers("Issue Hook"), "s3cret")
    for wrong in ("s3cre", "s3cret ", "S3CRET", ""):
        with pytest.raises(WebhookError) as err:
            webhooks.verify(headers("Issue Hook", wrong), "s3cret")
        assert err.value.status == 401
    with pytest.raises(WebhookError, match="missing X-Gitlab-Token"):
        webhooks.verify({"X-Gitlab-Event": "Issue Hook"}, "s3cret")


def test_the_delivery_id_is_the_idempotency_key_then_the_event_uuid() -> None:
    assert webhooks.delivery_id({"Idempotency-Key": "a", "X-Gitlab-Event-UUID": "b"}) == "a"
    assert webhooks.delivery_id({"x-gitlab-event-uuid": "b"}) == "b"


@pytest.mark.vendor_samples
@pytest.mark.parametrize(
    "path",
    sample_files(
        "gitlab",
        "docs-webhook-events/issue-hook.payload.json",
        "go-gitlab-testdata/webhooks/issue.json",
        "gitlab4j-testdata/issue-event.json",
    ),
)
def test_published_issue_hooks_become_upserts(path: Path) -> None:
    payload = load(path)
    change, *more = parse("Issue Hook", payload)
    # a changed milestone (only its id is sent) has the issue read again
    moved = "milestone_id" in (payload.get("changes") or {})
    assert [c.kind for c in more] == ([ChangeKind.TOUCHED] if moved else [])
    attrs = payload["object_attributes"]
    project = payload["project"]["path_with_namespace"]
    assert change.kind == ChangeKind.UPSERT and change.source == "webhook"
    assert change.ref.key == f"{project}#{attrs['iid']}"
    assert change.issue.title == attrs["title"]
    assert change.issue.status == IssueStatus.TODO  # "opened"
    assert change.issue.labels == {label["title"] for label in attrs.get("labels") or ()}
    assert change.actor == payload["user"]["username"]
    assert change.partial == {"milestone"}
    assert change.at is not None and change.at.tzinfo is not None


@pytest.mark.vendor_samples
@pytest.mark.parametrize(
    "path",
    sample_files(
        "gitlab",
        "docs-webhook-events/note-hook-issue.payload.json",
        "go-gitlab-testdata/webhooks/note_issue.json",
        "gitlab4j-testdata/note-issue-event.json",
    ),
)
def test_published_note_hooks_on_issues_become_comments(path: Path) -> None:
    payload = load(path)
    (change,) = parse("Note Hook", payload)
    note = payload["object_attributes"]
    project = payload["project"]["path_with_namespace"]
    assert change.kind == ChangeKind.COMMENT
    assert change.ref.key == f"{project}#{payload['issue']['iid']}"
    assert change.comment.ref.key == f"{project}#{payload['issue']['iid']}/note-{note['id']}"
    assert change.comment.body == note["note"] and change.comment.public
    assert not change.comment.by_syncd
    assert change.comment.created_at is not None  # "2015-05-17 17:06:40 UTC" read too


@pytest.mark.vendor_samples
@pytest.mark.parametrize(
    "path",
    sample_files(
        "gitlab",
        "go-gitlab-testdata/webhooks/note_merge_request.json",
        "go-gitlab-testdata/webhooks/note_commit.json",
        "gitlab4j-testdata/note-merge-request-event.json",
    ),
)
def test_notes_on_merge_requests_and_commits_are_not_syncds(path: Path) -> None:
    assert parse("Note Hook", load(path)) == []


def test_an_internal_note_arrives_as_a_confidential_note_hook_and_stays_internal() -> None:
    payload = _note_payload()
    (change,) = parse("Confidential Note Hook", payload)
    assert not change.comment.public
    payload["object_attributes"]["internal"] = True
    (change,) = parse("Note Hook", payload)
    assert not change.comment.public


def test_a_closed_issue_with_the_wont_do_label_is_wont_do_and_priority_is_read() -> None:
    payload = _issue_payload(
        state="closed", labels=[{"title": "won't do"}, {"title": "priority::high"}]
    )
    (change,) = parse("Issue Hook", payload)
    assert change.issue.status == IssueStatus.WONT_DO and change.issue.priority == Priority.HIGH


def test_syncds_own_note_is_recognised_with_its_marker() -> None:
    payload = _note_payload(user="syncd-bot", note="status\n\n<!-- syncd:key=k-42 -->")
    (change,) = parse("Note Hook", payload)
    assert change.comment.by_syncd and change.comment.marker == "k-42"
    assert change.comment.body == "status"


def test_other_events_are_acknowledged_without_changes() -> None:
    body = b'{"object_kind": "push", "ref": "refs/heads/main"}'
    result = webhooks.parse(headers("Push Hook"), body, RULES)
    assert result.changes == () and result.event == "Push Hook" and result.delivery_id == "k-1"


def _issue_payload(**attrs: Any) -> dict[str, Any]:
    base = {
        "iid": 7,
        "title": "Crash",
        "description": "It crashes.",
        "state": "opened",
        "labels": [],
        "url": "https://gitlab.example.com/acme/widgets/-/issues/7",
        "updated_at": "2024-05-01 10:00:00 UTC",
        "action": "update",
    }
    return {
        "object_kind": "issue",
        "user": {"username": "dev-alice"},
        "project": {"path_with_namespace": "acme/widgets"},
        "object_attributes": base | attrs,
    }


def _note_payload(user: str = "dev-alice", note: str = "Seen it") -> dict[str, Any]:
    return {
        "object_kind": "note",
        "user": {"username": user},
        "project": {"path_with_namespace": "acme/widgets"},
        "object_attributes": {
            "id": 12,
            "note": note,
            "noteable_type": "Issue",
            "created_at": "2024-05-01T10:00:00Z",
            "updated_at": "2024-05-01T10:00:00Z",
            "system": False,
        },
        "issue": {"iid": 7, "title": "Crash", "state": "opened"},
    }
