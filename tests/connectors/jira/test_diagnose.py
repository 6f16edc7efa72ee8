"""``syncd connectors test`` for Jira Cloud and Data Center against the emulator: everything
in order, then each thing that can be missing, with the row an admin sees and its fix."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.jira import JiraConnector
from connectors.jira.emulator import JiraEmulator
from syncd.connector import CheckStatus, DiagnoseContext, Finding, ProjectUse
from syncd.errors import Forbidden
from syncd.model import IssueDraft
from syncd.testing.server import free_port
from tests.connectors.kit import row, self_test

from .conftest import Served

HOOK = "http://127.0.0.1:8080/webhooks/jira"
CONTEXT = DiagnoseContext(
    projects=(ProjectUse("WID", ("widgets",)), ProjectUse("OPS", ("ops",), ("Bug",))),
    webhooks=True,
    webhook_url=HOOK,
)


@pytest.fixture
def jira(served: Served) -> Iterator[Served]:
    """Either flavour with a webhook to syncd; the admin state back to the defaults after."""
    with served.hooked(HOOK) as site:
        yield site


@pytest.fixture
def emu(jira: Served) -> JiraEmulator:
    return jira.emu


def diagnose(jira: Served, context: DiagnoseContext = CONTEXT, **over: Any) -> list[Finding]:
    conn = JiraConnector("jira", jira.settings(projects=[], **over))
    return self_test(conn, context, jira.url)


def test_everything_in_order(jira: Served) -> None:
    findings = diagnose(jira)
    assert [f.check for f in findings] == [
        "credentials",
        "WID: project",
        "WID: permissions",
        "WID: role Developers",
        "OPS: project",
        "OPS: permissions",
        "OPS: role Developers",
        "webhook",
    ]
    assert all(f.status == CheckStatus.OK for f in findings), findings
    flavour = "Jira Cloud" if jira.flavour == "cloud" else "Jira Data Center"
    assert row(findings, "credentials").detail.endswith(flavour)
    assert row(findings, "OPS: project").detail.endswith("creates Bug")
    assert row(findings, "webhook").detail.endswith("enabled, issue and comment events")


def test_refused_credentials(jira: Served) -> None:
    wrong = {"api_token": "nope"} if jira.flavour == "cloud" else {"pat": "nope"}
    (only,) = diagnose(jira, **wrong)
    assert only.check == "credentials" and only.status == CheckStatus.MISSING
    assert ("API tokens" if jira.flavour == "cloud" else "Personal Access Tokens") in only.fix


def test_missing_project_permission(jira: Served, emu: JiraEmulator) -> None:
    emu.admin.deny("syncd-bot", "WID", "TRANSITION_ISSUES")
    emu.admin.deny("syncd-bot", "WID", "EDIT_OWN_COMMENTS")
    findings = diagnose(jira)
    found = row(findings, "WID: permissions")
    assert found.status == CheckStatus.MISSING
    assert found.detail == "syncd's account lacks Transition Issues"
    assert "Project settings → Permissions" in found.fix
    more = row(findings, "WID: more permissions")
    assert more.status == CheckStatus.WARNING and "Edit Own Comments" in more.detail


def test_refused_permission_also_refuses_the_write(jira: Served, emu: JiraEmulator) -> None:
    emu.admin.deny("syncd-bot", "WID", "CREATE_ISSUES")
    conn = jira.connector()
    try:
        with pytest.raises(Forbidden, match="Create Issues"):
            conn.create_issue("WID", IssueDraft(title="x", body="y"), key="k-1")
    finally:
        conn.close()


def test_project_that_does_not_exist(jira: Served) -> None:
    context = DiagnoseContext(projects=(ProjectUse("NOPE", ("lost",)),))
    found = row(diagnose(jira, context), "NOPE: project")
    assert found.status == CheckStatus.MISSING
    assert found.detail == "no project NOPE, or syncd's account may not browse it (routes lost)"


def test_issue_type_the_project_lacks(jira: Served, emu: JiraEmulator) -> None:
    emu.admin.set_issue_types("WID", "Bug", "Story")
    found = row(diagnose(jira), "WID: project")
    assert found.status == CheckStatus.MISSING
    assert found.detail == "Wid: no issue type Task (it has Bug, Story)"
    assert "issue_type" in found.fix


def test_role_of_internal_comments(jira: Served, emu: JiraEmulator) -> None:
    emu.admin.roles["WID"] = ["Administrators"]
    emu.admin.members[("OPS", "Developers")] = {"alice"}
    findings = diagnose(jira)
    absent = row(findings, "WID: role Developers")
    assert absent.status == CheckStatus.MISSING and "has no role 'Developers'" in absent.detail
    outside = row(findings, "OPS: role Developers")
    assert outside.status == CheckStatus.MISSING
    assert "not in Developers" in outside.detail and "Project settings → People" in outside.fix


def test_role_members_need_administer_projects(jira: Served, emu: JiraEmulator) -> None:
    emu.set_admin("syncd-bot", False)
    try:
        found = row(diagnose(jira), "WID: role Developers")
    finally:
        emu.set_admin("syncd-bot", True)
    assert found.status == CheckStatus.UNKNOWN and "Administer Projects" in found.detail


def test_group_of_internal_comments(jira: Served, emu: JiraEmulator) -> None:
    group = {"internal_visibility": {"type": "group", "value": "developers"}}
    assert row(diagnose(jira, **group), "group developers").status == CheckStatus.OK
    emu.admin.groups["developers"] = {"alice"}
    outside = row(diagnose(jira, **group), "group developers")
    assert outside.status == CheckStatus.MISSING and "not in developers" in outside.detail
    unknown = {"internal_visibility": {"type": "group", "value": "no-such-group"}}
    absent = row(diagnose(jira, **unknown), "group no-such-group")
    assert absent.status == CheckStatus.MISSING and "no group" in absent.detail


def test_webhooks_need_a_jira_administrator(jira: Served, emu: JiraEmulator) -> None:
    emu.admin.jira_admins.discard("syncd-bot")
    found = row(diagnose(jira), "webhook")
    assert found.status == CheckStatus.UNKNOWN
    assert "only Jira administrators may list webhooks" in found.detail and HOOK in found.fix


@pytest.mark.parametrize(
    ("hook", "status", "detail"),
    [
        (None, CheckStatus.MISSING, f"no webhook to {HOOK}"),
        ({"enabled": False}, CheckStatus.MISSING, "is disabled"),
        ({"events": ["jira:issue_created"]}, CheckStatus.MISSING, "lacks jira:issue_updated"),
        ({"jql": "project = WID"}, CheckStatus.WARNING, "may leave out OPS"),
    ],
)
def test_webhook_that_would_not_work(
    jira: Served, emu: JiraEmulator, hook: dict[str, Any] | None, status: CheckStatus, detail: str
) -> None:
    emu.admin.hooks = []
    if hook is not None:
        emu.admin.add_hook(HOOK, **hook)
    found = row(diagnose(jira), "webhook")
    assert found.status == status and detail in found.detail, found
    assert "System → WebHooks" in found.fix


def test_closed_port_is_one_row(jira: Served) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    (only,) = diagnose(jira, base_url=url)
    assert only.check == "reach" and only.status == CheckStatus.MISSING
    assert only.detail == f"cannot reach {url}: connection refused"
