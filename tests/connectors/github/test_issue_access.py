"""How GitHub's connector meets limits and lost access against the emulator: rate limits,
archived and forbidden repositories, deleted and transferred issues."""

from __future__ import annotations

import uuid

import pytest

from connectors.github import GitHubConnector
from connectors.github.emulator import GitHubEmulator
from syncd.errors import Forbidden, NotFound, RateLimited
from syncd.model import ChangeKind, IssueStatus, Ref

from .conftest import BOT, DEV, REPO, connect, draft, new_key


def test_exhausted_budget_raises_rate_limited(
    emu: GitHubEmulator, connector: GitHubConnector
) -> None:
    made = connector.create_issue(REPO, draft(), key=new_key())
    emu.exhaust_budget(BOT, for_seconds=120)
    try:
        with pytest.raises(RateLimited) as err:
            connector.get_issue(made.ref)
        assert 60 <= err.value.retry_after <= 121
        assert connector.rate_budget().remaining == 0
    finally:
        emu.control.budget.used.clear()


def test_secondary_limit_429_honours_retry_after(
    emu: GitHubEmulator, connector: GitHubConnector
) -> None:
    emu.control.faults.add("rate_limit", status=429, seconds=17, path=r"/issues/\d+$")
    with pytest.raises(RateLimited) as err:
        connector.get_issue(Ref.issue("gh", f"{REPO}#1"))
    assert err.value.retry_after == 17


def test_archived_repository_write_is_forbidden(
    emu: GitHubEmulator, connector: GitHubConnector
) -> None:
    repo = f"acme/old-{uuid.uuid4().hex[:6]}"
    emu.add_repo(repo)
    number = emu.create_issue_as(DEV, repo, "before archiving")
    emu.archive(repo)
    ref = Ref.issue("gh", f"{repo}#{number}")
    assert connector.get_issue(ref).title == "before archiving"
    with pytest.raises(Forbidden) as err:
        connector.update_issue(ref, status=IssueStatus.DONE)
    assert "archived" in str(err.value)
    with pytest.raises(Forbidden):
        connector.create_issue(repo, draft(), key=new_key())


def test_lost_access_is_forbidden_not_auth(emu: GitHubEmulator, base_url: str) -> None:
    repo = f"acme/secret-{uuid.uuid4().hex[:6]}"
    emu.add_repo(repo)
    number = emu.create_issue_as(DEV, repo, "hidden")
    emu.forbid(BOT, repo)
    conn = connect(base_url)
    try:
        with pytest.raises(Forbidden):
            conn.get_issue(Ref.issue("gh", f"{repo}#{number}"))
    finally:
        conn.close()


def test_deleted_issue_is_not_found(emu: GitHubEmulator, connector: GitHubConnector) -> None:
    made = connector.create_issue(REPO, draft(), key=new_key())
    _, number = made.ref.key.split("#")
    emu.delete_issue_as(DEV, REPO, int(number))
    with pytest.raises(NotFound) as err:
        connector.get_issue(made.ref)
    assert err.value.status == 410
    with pytest.raises(NotFound):
        connector.comments(made.ref)


def test_transferred_issue_is_followed(emu: GitHubEmulator, connector: GitHubConnector) -> None:
    target = f"acme/elsewhere-{uuid.uuid4().hex[:6]}"
    emu.add_repo(target)
    made = connector.create_issue(REPO, draft("moving"), key=new_key())
    new_number = emu.transfer_as(DEV, REPO, int(made.ref.key.split("#")[1]), target)
    moved = connector.get_issue(made.ref)
    assert moved.ref.key == f"{target}#{new_number}" and moved.title == "moving"
    _, headers, body = emu.control.webhooks.captured[-2]
    result = connector.parse_webhook(headers, body)
    assert result.changes[0].kind == ChangeKind.MOVED
    assert result.changes[0].new_ref == moved.ref
