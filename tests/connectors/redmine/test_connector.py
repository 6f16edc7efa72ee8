"""What the Redmine connector does beyond the contract, on the real server: names to ids,
the workflow's refusals, labels, issue references, settings and the error table."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.redmine import CONNECTOR, RedmineConnector, RedmineSettings
from syncd.errors import AuthError, PermanentError, RateLimited, TransientError
from syncd.model import IssueDraft, IssueStatus, Priority, Ref

from .harness import INSTANCE, RedmineHarness, settings


def _key() -> str:
    return f"k-{uuid.uuid4().hex}"


def test_priorities_statuses_and_trackers_by_name(harness: RedmineHarness) -> None:
    conn = harness.connector
    assert isinstance(conn, RedmineConnector)
    draft = IssueDraft(title="feature", body="b", issue_type="Feature", priority=Priority.LOW)
    made = conn.create_issue(harness.project, draft, key=_key())
    raw = harness.dev.raw(made.ref)
    assert raw["tracker"]["name"] == "Feature" and raw["priority"]["name"] == "Low"
    started = conn.update_issue(made.ref, status=IssueStatus.IN_PROGRESS, priority=Priority.URGENT)
    assert started.status == IssueStatus.IN_PROGRESS and started.priority == Priority.URGENT
    assert harness.dev.raw(made.ref)["priority"]["name"] == "Urgent"
    # a developer's "Resolved" and "Feedback" read as done and in progress
    harness.dev.set_status(made.ref, "Resolved")
    assert conn.get_issue(made.ref).status == IssueStatus.DONE
    harness.dev.set_status(made.ref, "Feedback")
    assert conn.get_issue(made.ref).status == IssueStatus.IN_PROGRESS
    # "Immediate" has no canonical twin of its own: urgent
    harness.dev.update(made.ref, priority_id=harness.info["priorities"]["Immediate"])
    assert conn.get_issue(made.ref).priority == Priority.URGENT


def test_a_tracker_per_project_and_an_unknown_name(info: dict[str, Any]) -> None:
    conn = RedmineConnector(INSTANCE, settings(info, trackers={"widgets": "Support"}), None)
    odd = RedmineConnector(INSTANCE, settings(info, write_priority={"high": "Huge"}), None)
    try:
        made = conn.create_issue("widgets", IssueDraft(title="t", body="b"), key=_key())
        assert made.ref.key.isdigit()
        assert (
            conn.client.get(f"/issues/{made.ref.key}.json")["issue"]["tracker"]["name"] == "Support"
        )
        with pytest.raises(PermanentError, match="no issue priority named 'Huge'"):
            odd.update_issue(made.ref, priority=Priority.HIGH)
    finally:
        conn.close()
        odd.close()


def test_a_status_the_workflow_refuses_is_an_error(info: dict[str, Any]) -> None:
    # dana is a Developer: Redmine's default workflow lets her reject nothing
    as_dana = RedmineConnector(INSTANCE, settings(info, api_key=info["developer_key"]), None)
    try:
        made = as_dana.create_issue("widgets", IssueDraft(title="t", body="b"), key=_key())
        with pytest.raises(PermanentError, match="workflow"):
            as_dana.update_issue(made.ref, status=IssueStatus.WONT_DO)
        assert as_dana.get_issue(made.ref).status == IssueStatus.TODO
    finally:
        as_dana.close()


def test_labels_live_in_the_custom_field(harness: RedmineHarness) -> None:
    conn = harness.connector
    draft = IssueDraft(title="t", body="b", labels=frozenset({"from-support", "vendor"}))
    made = conn.create_issue(harness.project, draft, key=_key())
    assert made.labels == {"from-support", "vendor"}
    after = conn.update_issue(made.ref, add_labels=["impact:2"], remove_labels=["vendor"])
    assert after.labels == {"from-support", "impact:2"}
    values = {f["name"]: f["value"] for f in harness.dev.raw(made.ref)["custom_fields"]}
    assert values["Labels"] == "from-support, impact:2"


def test_find_issue_ignores_a_human_quoting_the_marker(harness: RedmineHarness) -> None:
    conn = harness.connector
    key = _key()
    made = conn.create_issue(harness.project, IssueDraft(title="mine", body="b"), key=key)
    harness.human_create("copy", f"quoting <!-- syncd:key={key} -->")
    found = conn.find_issue(harness.project, key, made.created_at)
    assert found is not None and found.ref == made.ref
    # the body keeps the marker across an edit, and shows without it
    edited = conn.update_issue(made.ref, title="mine 2", body="new body")
    assert edited.body == "new body" and edited.marker == key


def test_open_issues_are_newest_first(harness: RedmineHarness) -> None:
    conn = harness.connector
    assert isinstance(conn, RedmineConnector)
    first = harness.human_create("older")
    second = harness.human_create("newer")
    conn.update_issue(first, status=IssueStatus.DONE)
    found = [i.ref for i in conn.open_issues(harness.project, 50)]
    assert second in found and first not in found


def test_api_key_from_a_file_and_the_registry(info: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "redmine-key"
    path.write_text(f"{info['syncd_key']}\n")
    conf = {"kind": "redmine", "base_url": info["base_url"] + "/", "api_key_file": str(path)}
    conn = CONNECTOR.factory("rm", conf, None)
    try:
        assert conn.check() == info["syncd_user"]
    finally:
        conn.close()


def test_settings_refuse_what_cannot_work() -> None:
    with pytest.raises(ValueError, match="http"):
        RedmineSettings.model_validate({"base_url": "redmine.example.com", "api_key": "k"})
    with pytest.raises(ValueError, match="page_size"):
        RedmineSettings.model_validate({"base_url": "http://r", "api_key": "k", "page_size": 500})
    s = RedmineSettings.model_validate({"base_url": "http://r/", "api_key": "k"})
    assert s.base_url == "http://r" and not s.webhooks and s.rate_limits() == []


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("#123", "123"),
        ("https://redmine.example.com/issues/42", "42"),
        ("https://example.com/redmine/issues/7#note-3", "7"),
        ("https://github.com/acme/widgets/issues/42", None),
        ("https://gitlab.example.com/acme/widgets/-/issues/42", None),
        ("acme/widgets#42", None),
        ("ABC-12", None),
    ],
)
def test_issue_references(text: str, key: str | None) -> None:
    assert CONNECTOR.issue_reference is not None
    assert CONNECTOR.issue_reference(text) == key


def _answering(status: int, headers: dict[str, str]) -> RedmineConnector:
    transport = httpx.MockTransport(lambda request: httpx.Response(status, headers=headers))
    conf = settings({"base_url": "http://redmine.invalid", "syncd_key": "k"})
    return RedmineConnector(INSTANCE, conf, httpx.Client(transport=transport))


@pytest.mark.parametrize(
    ("status", "headers", "error", "wait"),
    [
        (429, {"Retry-After": "17"}, RateLimited, 17.0),
        (503, {"Retry-After": "5"}, RateLimited, 5.0),
        (503, {}, TransientError, None),
        (401, {}, AuthError, None),
        (422, {}, PermanentError, None),
    ],
)
def test_the_shared_error_table(
    status: int, headers: dict[str, str], error: type[Exception], wait: float | None
) -> None:
    conn = _answering(status, headers)
    with pytest.raises(error) as err:
        conn.get_issue(Ref.issue(INSTANCE, "1"))
    if wait is not None:
        assert isinstance(err.value, RateLimited) and err.value.retry_after == wait
    elif isinstance(err.value, TransientError):
        assert not isinstance(err.value, RateLimited)


def test_duplicate_is_written_as_rejected(harness: RedmineHarness) -> None:
    # Redmine's default data has no duplicate status: written as Rejected, read as won't do
    conn = harness.connector
    made = conn.create_issue(harness.project, IssueDraft(title="dup", body="b"), key=_key())
    after = conn.update_issue(made.ref, status=IssueStatus.DUPLICATE)
    assert after.status == IssueStatus.WONT_DO
    assert harness.dev.raw(made.ref)["status"]["name"] == "Rejected"
