"""``syncd connectors test`` for GitHub against the emulator: everything in order, then each
thing that can be missing, with the row an admin sees and what it tells them to do."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.github.emulator import GitHubEmulator
from syncd.connector import CheckStatus, DiagnoseContext, Finding, ProjectUse
from syncd.testing.server import free_port
from tests.connectors.kit import row, self_test

from .conftest import BOT, connect, make_settings

REPO = "acme/widgets"
HOOK = "http://127.0.0.1:8080/webhooks/gh"
CONTEXT = DiagnoseContext(
    projects=(ProjectUse(REPO, ("widgets",), (), ("from-support", "impact:1")),),
    webhooks=True,
    webhook_url=HOOK,
)


@pytest.fixture
def emu(served: tuple[GitHubEmulator, str]) -> Iterator[GitHubEmulator]:
    """A repository with a webhook to syncd; roles and tokens back to the defaults after."""
    emulator, _ = served
    emulator.reset()
    emulator.add_repo(REPO)
    emulator.admin.add_hook(REPO, HOOK)
    yield emulator
    emulator.admin.clear()


def diagnose(
    url: str, context: DiagnoseContext = CONTEXT, token: str = "syncd-token", **over: Any
) -> list[Finding]:
    conn = connect(url, token=token, repositories=[], **over)
    return self_test(conn, context, url)


def test_everything_in_order(served: tuple[GitHubEmulator, str], emu: GitHubEmulator) -> None:
    findings = diagnose(served[1])
    assert [f.check for f in findings] == [
        "token",
        f"{REPO}: access",
        f"{REPO}: labels",
        f"{REPO}: webhook",
    ]
    assert all(f.status == CheckStatus.OK for f in findings), findings
    assert row(findings, "token").detail == f"{BOT}, classic token with scopes: repo"
    assert "admin access (routes widgets)" in row(findings, f"{REPO}: access").detail
    assert "created on first use" in row(findings, f"{REPO}: labels").detail
    assert "issue_comment, issues, JSON, signed" in row(findings, f"{REPO}: webhook").detail


def test_revoked_token(served: tuple[GitHubEmulator, str], emu: GitHubEmulator) -> None:
    (only,) = diagnose(served[1], token="nobody-knows-this")
    assert only.check == "token" and only.status == CheckStatus.MISSING
    assert "Bad credentials" in only.detail and "token_file" in only.fix


def test_classic_token_without_repo_scope(
    served: tuple[GitHubEmulator, str], emu: GitHubEmulator
) -> None:
    emu.admin.set_token("syncd-token", "read:org, gist")
    found = row(diagnose(served[1]), "token")
    assert found.status == CheckStatus.MISSING and "without repo" in found.detail
    assert "repo scope" in found.fix


def test_fine_grained_token_cannot_be_read(
    served: tuple[GitHubEmulator, str], emu: GitHubEmulator
) -> None:
    emu.admin.set_token("syncd-token", None, frozenset({"issues", "metadata"}))
    findings = diagnose(served[1])
    assert row(findings, "token").detail == f"{BOT}, fine-grained token"
    perms = row(findings, "token permissions")
    assert perms.status == CheckStatus.UNKNOWN and "Issues: Read and write" in perms.fix
    hook = row(findings, f"{REPO}: webhook")
    assert hook.status == CheckStatus.UNKNOWN and "Webhooks: Read" in hook.detail


def test_read_only_account(served: tuple[GitHubEmulator, str], emu: GitHubEmulator) -> None:
    emu.admin.set_role(BOT, REPO, "read")
    findings = diagnose(served[1])
    access = row(findings, f"{REPO}: access")
    assert access.status == CheckStatus.MISSING
    assert (
        access.detail
        == f"{BOT} has read access: it cannot label, close or reopen issues (routes widgets)"
    )
    assert "Triage role or higher" in access.fix
    labels = row(findings, f"{REPO}: labels")
    assert labels.status == CheckStatus.MISSING and "from-support" in labels.detail
    assert "Write role" in labels.fix
    hook = row(findings, f"{REPO}: webhook")
    assert hook.status == CheckStatus.UNKNOWN and "only repository admins" in hook.detail


def test_triage_needs_the_labels_to_exist(
    served: tuple[GitHubEmulator, str], emu: GitHubEmulator
) -> None:
    emu.admin.set_role(BOT, REPO, "triage")
    with emu.store.lock:
        repo = emu.store.repo(REPO)
        for name in (
            *make_settings("x").priority_labels.values(),
            "in progress",
            "from-support",
            "impact:1",
        ):
            emu.store.label(repo, name)
    findings = diagnose(served[1])
    assert row(findings, f"{REPO}: access").status == CheckStatus.OK
    labels = row(findings, f"{REPO}: labels")
    assert labels.status == CheckStatus.OK and labels.detail == "all 7 labels syncd writes exist"


def test_archived_repository(served: tuple[GitHubEmulator, str], emu: GitHubEmulator) -> None:
    emu.archive(REPO)
    found = row(diagnose(served[1]), f"{REPO}: access")
    assert found.status == CheckStatus.MISSING and "archived" in found.detail


def test_issues_turned_off(served: tuple[GitHubEmulator, str], emu: GitHubEmulator) -> None:
    emu.disable_issues(REPO)
    found = row(diagnose(served[1]), f"{REPO}: issues")
    assert found.status == CheckStatus.MISSING
    assert found.fix == "turn them on: Settings → General → Features → Issues"


def test_repository_that_does_not_exist(
    served: tuple[GitHubEmulator, str], emu: GitHubEmulator
) -> None:
    context = DiagnoseContext(projects=(ProjectUse("acme/nope", ("lost",)),))
    found = row(diagnose(served[1], context), "acme/nope: access")
    assert found.status == CheckStatus.MISSING
    assert found.detail == "no repository acme/nope, or the token cannot see it (routes lost)"


def test_no_webhook(served: tuple[GitHubEmulator, str], emu: GitHubEmulator) -> None:
    emu.admin.clear_hooks(REPO)
    found = row(diagnose(served[1]), f"{REPO}: webhook")
    assert found.status == CheckStatus.MISSING and found.detail == f"no webhook to {HOOK}"
    assert "application/json" in found.fix and "Issues and Issue comments" in found.fix


@pytest.mark.parametrize(
    ("hook", "detail"),
    [
        ({"events": ["issues"]}, "it lacks the events issue_comment"),
        ({"content_type": "form"}, "it sends form"),
        ({"active": False}, "it is inactive"),
        ({"secret": False}, "it has no secret"),
    ],
)
def test_webhook_that_would_not_work(
    served: tuple[GitHubEmulator, str], emu: GitHubEmulator, hook: dict[str, Any], detail: str
) -> None:
    emu.admin.clear_hooks(REPO)
    emu.admin.add_hook(REPO, HOOK, **hook)
    found = row(diagnose(served[1]), f"{REPO}: webhook")
    assert found.status == CheckStatus.MISSING and detail in found.detail, found
    assert "Settings → Webhooks of acme/widgets" in found.fix


def test_organization_webhook(served: tuple[GitHubEmulator, str], emu: GitHubEmulator) -> None:
    emu.admin.clear_hooks(REPO)
    emu.admin.add_org("acme", admins=(BOT,))
    emu.admin.set_token("syncd-token", "repo, admin:org_hook")
    assert row(diagnose(served[1]), f"{REPO}: webhook").status == CheckStatus.MISSING
    emu.admin.add_org_hook("acme", HOOK)
    found = row(diagnose(served[1]), f"{REPO}: webhook")
    assert found.status == CheckStatus.OK, found
    emu.admin.set_token("syncd-token", "repo")  # no admin:org_hook: cannot list them
    unknown = row(diagnose(served[1]), f"{REPO}: webhook")
    assert unknown.status == CheckStatus.UNKNOWN and "admin:org_hook" in unknown.detail


def test_without_public_url_and_without_secret(
    served: tuple[GitHubEmulator, str], emu: GitHubEmulator
) -> None:
    no_url = diagnose(served[1], DiagnoseContext(projects=CONTEXT.projects, webhooks=True))
    assert row(no_url, f"{REPO}: webhook").status == CheckStatus.UNKNOWN
    no_secret = diagnose(served[1], webhook_secret=None)
    assert row(no_secret, "webhook secret").status == CheckStatus.MISSING
    off = diagnose(served[1], DiagnoseContext(projects=CONTEXT.projects))
    assert row(off, f"{REPO}: webhook").status == CheckStatus.OK


def test_closed_port_is_one_row() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    (only,) = diagnose(url)
    assert only.check == "reach" and only.status == CheckStatus.MISSING
    assert only.detail == f"cannot reach {url}: connection refused"
