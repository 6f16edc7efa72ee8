"""What GitHub's connector writes to issues against the emulator: status and priority labels,
the webhooks its own writes fire, and finding an issue by its key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.github import GitHubConnector
from connectors.github.emulator import GitHubEmulator
from syncd.model import IssueDraft, IssueStatus, Priority

from .conftest import BOT, DEV, REPO, connect, draft, new_key


def test_status_round_trip_and_in_progress_label(
    emu: GitHubEmulator, connector: GitHubConnector
) -> None:
    made = connector.create_issue(REPO, draft(), key=new_key())
    number = int(made.ref.key.split("#")[1])
    started = connector.update_issue(made.ref, status=IssueStatus.IN_PROGRESS)
    assert started.status == IssueStatus.IN_PROGRESS and "in progress" in started.labels
    dup = connector.update_issue(made.ref, status=IssueStatus.DUPLICATE)
    assert dup.status == IssueStatus.DUPLICATE and "in progress" not in dup.labels
    raw = emu.issue(REPO, number)
    assert (raw["state"], raw["state_reason"]) == ("closed", "duplicate")
    back = connector.update_issue(made.ref, status=IssueStatus.TODO)
    assert back.status == IssueStatus.TODO
    assert emu.issue(REPO, number)["state_reason"] == "reopened"


def test_priority_replaces_the_previous_label(connector: GitHubConnector) -> None:
    made = connector.create_issue(
        REPO, IssueDraft(title="p", body="b", priority=Priority.LOW), key=new_key()
    )
    assert made.priority == Priority.LOW
    after = connector.update_issue(made.ref, priority=Priority.HIGH, title="p2", body="new")
    assert after.priority == Priority.HIGH and "priority: low" not in after.labels
    assert after.title == "p2" and after.body == "new" and after.marker == made.marker


def test_syncd_writes_fire_webhooks_too(emu: GitHubEmulator, connector: GitHubConnector) -> None:
    made = connector.create_issue(REPO, draft("echo"), key=new_key())
    _, headers, body = emu.control.webhooks.captured[-1]
    result = connector.parse_webhook(headers, body)
    assert result.event == "issues" and result.changes[0].actor == BOT
    assert result.changes[0].issue is not None and result.changes[0].issue.marker == made.marker
    note = connector.add_comment(made.ref, "status update", public=False, key=new_key())
    event, headers, body = emu.control.webhooks.captured[-1]
    assert event == "issue_comment"
    change = connector.parse_webhook(headers, body).changes[0]
    assert change.comment is not None and change.comment.ref == note.ref
    assert change.comment.by_syncd and change.comment.marker == note.marker


def test_a_login_learnt_after_the_first_read_marks_the_bots_comments(
    emu: GitHubEmulator, connector: GitHubConnector, base_url: str
) -> None:
    made = connector.create_issue(REPO, draft("late login"), key=new_key())
    connector.add_comment(made.ref, "from the bot", public=False, key=new_key())
    _, headers, body = emu.control.webhooks.captured[-1]
    fresh = connect(base_url)  # its login not known yet
    try:
        fresh.get_issue(made.ref)  # reads and maps before it knows who it is
        change = fresh.parse_webhook(headers, body).changes[0]  # learns it here
    finally:
        fresh.close()
    assert change.comment is not None and change.comment.by_syncd


def test_find_issue_respects_since_and_creator(
    emu: GitHubEmulator, connector: GitHubConnector
) -> None:
    key = new_key()
    made = connector.create_issue(REPO, draft("findable"), key=key)
    # a human quoting the marker does not make the issue syncd's
    emu.create_issue_as(DEV, REPO, "copy", f"quoting <!-- syncd:key={key} -->")
    found = connector.find_issue(REPO, key, made.created_at)
    assert found is not None and found.ref == made.ref
    later = datetime.now(UTC) + timedelta(seconds=5)
    assert connector.find_issue(REPO, key, later) is None
