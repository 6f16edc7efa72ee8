"""Mapped fields on GitHub, against the emulator: the milestone (by title, with its due date)
and the assignee set by name; a milestone the repository lacks or a field GitHub has not is
refused with the reason; the emulator's milestones have the vendor's shape, and a
``milestoned`` delivery carries the due date."""

from __future__ import annotations

import json
import uuid

import pytest

from connectors.github import GitHubConnector
from syncd.errors import PermanentError
from syncd.model import IssueDraft
from tests.connectors.kit import load

from .conftest import GITHUB_SAMPLES, REPO

EXAMPLES = GITHUB_SAMPLES / "payload-examples" / "api.github.com" / "issues"


def test_milestone_and_assignee_set_by_name(emu, connector: GitHubConnector) -> None:  # type: ignore[no-untyped-def]
    title = f"v{uuid.uuid4().hex[:6]}"
    with emu.store.lock:
        emu.store.add_milestone(emu.store.repo(REPO), title, due_on="2027-01-14T08:00:00Z")
    issue = connector.create_issue(REPO, IssueDraft(title="Export", body="x"), key=uuid.uuid4().hex)
    got = connector.set_fields(issue.ref, {"milestone": title, "assignee": "dev-alice"})
    assert got.milestone == title and got.dates == {"milestone": "2027-01-14"}
    assert got.assignee == "dev-alice"
    assert connector.get_issue(issue.ref).dates["milestone"] == "2027-01-14"
    cleared = connector.set_fields(issue.ref, {"milestone": "", "assignee": ""})
    assert cleared.milestone is None and cleared.assignee is None and cleared.dates == {}


def test_refusals_say_why(emu, connector: GitHubConnector) -> None:  # type: ignore[no-untyped-def]
    issue = connector.create_issue(REPO, IssueDraft(title="Export", body="x"), key=uuid.uuid4().hex)
    with pytest.raises(PermanentError, match=r"has no milestone 'v9\.9'"):
        connector.set_fields(issue.ref, {"milestone": "v9.9"})
    with pytest.raises(PermanentError, match="no issue field 'fixVersions'"):
        connector.set_fields(issue.ref, {"fixVersions": "2.4"})


def test_milestoned_delivery_carries_the_due_date(emu, connector: GitHubConnector) -> None:  # type: ignore[no-untyped-def]
    sent: list[dict] = []
    title = f"v{uuid.uuid4().hex[:6]}"
    with emu.store.lock:
        emu.store.add_milestone(emu.store.repo(REPO), title, due_on="2027-02-01T08:00:00Z")
    issue = connector.create_issue(REPO, IssueDraft(title="Export", body="x"), key=uuid.uuid4().hex)
    repo, number = issue.ref.key.split("#")
    original = emu.control.webhooks.send
    emu.control.webhooks.send = lambda name, headers, payload, key=None: sent.append(payload)
    try:
        with emu.store.lock:
            m = next(m for m in emu.store.repo(REPO).milestones.values() if m.title == title)
        emu.edit_issue_as("dev-alice", repo, int(number), milestone=m.number)
    finally:
        emu.control.webhooks.send = original
    (payload,) = [p for p in sent if p["action"] == "milestoned"]
    assert payload["milestone"]["due_on"] == "2027-02-01T08:00:00Z"
    body = json.dumps(payload).encode()
    (change,) = connector.parse_webhook({"X-GitHub-Event": "issues"}, body).changes
    assert change.issue is not None and change.issue.dates == {"milestone": "2027-02-01"}


@pytest.mark.vendor_samples
def test_emulator_milestones_have_the_vendor_shape(emu, dev) -> None:  # type: ignore[no-untyped-def]
    sample = load(EXAMPLES / "milestoned.payload.json")["milestone"]
    with emu.store.lock:
        emu.store.add_milestone(emu.store.repo(REPO), f"v{uuid.uuid4().hex[:6]}")
    listed = dev.get(f"/repos/{REPO}/milestones", params={"state": "all"}).json()
    assert set(sample) <= set(listed[0])
    assert set(sample["creator"]) <= set(listed[0]["creator"])
