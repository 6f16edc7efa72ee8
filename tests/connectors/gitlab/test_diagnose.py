"""``syncd connectors test`` for GitLab against the emulator: everything in order, then each
thing that can be missing, with the row an admin sees and what it tells them to do."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.gitlab.emulator import GitLabEmulator
from syncd.connector import CheckStatus, DiagnoseContext, Finding, ProjectUse
from syncd.testing.server import free_port
from tests.connectors.kit import row, self_test

from .conftest import BOT, connect

PROJECT = "acme/platform/api"
HOOK = "http://127.0.0.1:8080/webhooks/gl"
CONTEXT = DiagnoseContext(
    projects=(ProjectUse(PROJECT, ("platform",), (), ("from-support",)),),
    webhooks=True,
    webhook_url=HOOK,
)


@pytest.fixture
def emu(served: tuple[GitLabEmulator, str]) -> Iterator[GitLabEmulator]:
    """A project where syncd is a Maintainer, with a webhook to syncd and syncd's labels."""
    emulator, _ = served
    emulator.reset()
    project = emulator.add_project(PROJECT)
    project.members[BOT] = 40
    for label in ("priority::urgent", "priority::high", "priority::normal", "priority::low",
                  "workflow::in progress", "won't do", "duplicate", "from-support"):  # fmt: skip
        project.labels[label] = len(project.labels) + 1
    emulator.admin.add_hook(PROJECT, HOOK)
    yield emulator
    emulator.admin.scopes.clear()


def diagnose(
    url: str, context: DiagnoseContext = CONTEXT, token: str = "syncd-token", **over: Any
) -> list[Finding]:
    conn = connect(url, token=token, projects=[], **over)
    return self_test(conn, context, url)


def test_everything_in_order(emu: GitLabEmulator, served: tuple[GitLabEmulator, str]) -> None:
    findings = diagnose(served[1])
    assert all(f.status == CheckStatus.OK for f in findings), findings
    assert row(findings, "token").detail == f"{BOT}, scopes: api"
    assert row(findings, f"{PROJECT}: access").detail == "Maintainer (routes platform)"
    assert {f.check for f in findings} == {
        "token",
        f"{PROJECT}: access",
        f"{PROJECT}: labels",
        f"{PROJECT}: webhook",
    }


def test_a_refused_token_and_an_unreachable_instance(served: tuple[GitLabEmulator, str]) -> None:
    (refused,) = diagnose(served[1], token="nope")
    assert refused.status == CheckStatus.MISSING and "api scope" in refused.fix
    (down,) = diagnose(f"http://127.0.0.1:{free_port()}")
    assert down.check == "reach" and "connection refused" in down.detail


def test_a_token_without_the_api_scope(
    emu: GitLabEmulator, served: tuple[GitLabEmulator, str]
) -> None:
    emu.admin.scopes["syncd-token"] = ["read_api"]
    token = row(diagnose(served[1]), "token")
    assert token.status == CheckStatus.MISSING and "without api" in token.detail


@pytest.mark.parametrize(
    ("level", "status", "says"),
    [(10, CheckStatus.MISSING, "Guest"), (20, CheckStatus.OK, "Reporter")],
)
def test_the_role_decides_whether_syncd_can_label_and_close(
    emu: GitLabEmulator,
    served: tuple[GitLabEmulator, str],
    level: int,
    status: CheckStatus,
    says: str,
) -> None:
    emu.set_access(BOT, PROJECT, level)
    access = row(diagnose(served[1]), f"{PROJECT}: access")
    assert access.status == status and says in access.detail


def test_a_project_syncd_cannot_see_archived_or_without_issues(
    emu: GitLabEmulator, served: tuple[GitLabEmulator, str]
) -> None:
    emu.set_access(BOT, PROJECT, 0)
    hidden = row(diagnose(served[1]), f"{PROJECT}: access")
    assert hidden.status == CheckStatus.MISSING and "Members" in hidden.fix
    emu.set_access(BOT, PROJECT, 40)
    emu.project(PROJECT).archived = True
    emu.project(PROJECT).issues_enabled = False
    findings = diagnose(served[1])
    assert "archived" in row(findings, f"{PROJECT}: access").detail
    assert row(findings, f"{PROJECT}: issues").status == CheckStatus.MISSING


def test_missing_labels_are_a_warning(
    emu: GitLabEmulator, served: tuple[GitLabEmulator, str]
) -> None:
    del emu.project(PROJECT).labels["won't do"]
    labels = row(diagnose(served[1]), f"{PROJECT}: labels")
    assert labels.status == CheckStatus.WARNING and "won't do" in labels.detail


def test_the_webhook_rows(emu: GitLabEmulator, served: tuple[GitLabEmulator, str]) -> None:
    emu.project(PROJECT).hooks[0]["confidential_note_events"] = False
    hook = row(diagnose(served[1]), f"{PROJECT}: webhook")
    assert hook.status == CheckStatus.MISSING and "confidential_note_events" in hook.detail
    emu.project(PROJECT).hooks.clear()
    hook = row(diagnose(served[1]), f"{PROJECT}: webhook")
    assert hook.status == CheckStatus.MISSING and "Settings → Webhooks" in hook.fix
    emu.set_access(BOT, PROJECT, 30)  # a Developer may not list hooks
    assert row(diagnose(served[1]), f"{PROJECT}: webhook").status == CheckStatus.UNKNOWN
    unknown = DiagnoseContext(projects=CONTEXT.projects, webhooks=True, webhook_url=None)
    assert row(diagnose(served[1], unknown), f"{PROJECT}: webhook").status == CheckStatus.UNKNOWN
    off = DiagnoseContext(projects=CONTEXT.projects, webhooks=False)
    assert row(diagnose(served[1], off), f"{PROJECT}: webhook").status == CheckStatus.OK


def test_webhooks_on_without_a_secret(
    emu: GitLabEmulator, served: tuple[GitLabEmulator, str]
) -> None:
    secret = row(diagnose(served[1], webhook_secret=None), "webhook secret")
    assert secret.status == CheckStatus.MISSING
