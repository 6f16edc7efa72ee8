"""``syncd connectors test`` for Redmine, against the real server: everything in order, a
project that does not exist, one syncd's user is no member of, a tracker not enabled, a
labels field missing, names the site does not have, a wrong key, a server that is down."""

from __future__ import annotations

from typing import Any

import httpx

from connectors.redmine import RedmineConnector
from syncd.connector import CheckStatus, DiagnoseContext, Finding, ProjectUse
from syncd.testing.server import free_port
from tests.connectors.kit import self_test

from .harness import INSTANCE, settings

CONTEXT = DiagnoseContext(projects=(ProjectUse("widgets", ("widgets",)),))


def diagnose(
    info: dict[str, Any], context: DiagnoseContext = CONTEXT, **over: Any
) -> list[Finding]:
    conn = RedmineConnector(INSTANCE, settings(info, **over), None)
    return self_test(conn, context, str(info["base_url"]))


def row(findings: list[Finding], check: str) -> Finding:
    found = [f for f in findings if f.check == check]
    assert len(found) == 1, [f.check for f in findings]
    return found[0]


def test_everything_in_order(info: dict[str, Any]) -> None:
    findings = diagnose(info)
    assert [f.check for f in findings] == [
        "credentials", "webhooks", "statuses", "priorities", "trackers", "project widgets",
        "rights the API does not show",
    ]  # fmt: skip
    assert all(f.status == CheckStatus.OK for f in findings[:-1]), findings
    assert row(findings, "credentials").detail == "syncd"
    assert "public" in row(findings, "project widgets").detail
    assert row(findings, "rights the API does not show").status == CheckStatus.UNKNOWN


def test_projects_syncd_cannot_use(info: dict[str, Any]) -> None:
    context = DiagnoseContext(
        projects=(
            ProjectUse("nowhere", ("r1",)),
            ProjectUse("widgets", ("r2",), issue_types=("Epic",)),
        )
    )
    findings = diagnose(info, context)
    assert row(findings, "project nowhere").status == CheckStatus.MISSING
    assert "Members" in row(findings, "project nowhere").fix
    epic = row(findings, "project widgets")
    assert epic.status == CheckStatus.MISSING and "Epic" in epic.detail
    # the developer is no member of a project the admin made for nobody
    admin = {"X-Redmine-API-Key": info["admin_key"]}
    ident = f"p{free_port()}"
    made = httpx.post(
        f"{info['base_url']}/projects.json",
        json={"project": {"name": ident, "identifier": ident, "is_public": False}},
        headers=admin,
    )
    made.raise_for_status()
    alone = diagnose(info, DiagnoseContext(projects=(ProjectUse(ident),)))
    assert row(alone, f"project {ident}").status == CheckStatus.MISSING


def test_names_the_site_does_not_have(info: dict[str, Any]) -> None:
    findings = diagnose(
        info,
        write_status={"duplicate": "Duplicate"},
        write_priority={"high": "Huge"},
        default_tracker="Epic",
        labels_field="Tags",
    )
    assert "'Duplicate'" in row(findings, "statuses").detail
    assert row(findings, "statuses").status == CheckStatus.MISSING
    assert "'Huge'" in row(findings, "priorities").detail
    assert row(findings, "trackers").status == CheckStatus.MISSING
    tags = row(findings, "project widgets")
    assert tags.status == CheckStatus.MISSING and "Epic" in tags.detail
    labels = row(diagnose(info, labels_field="Tags"), "project widgets")
    assert labels.status == CheckStatus.WARNING and "'Tags'" in labels.detail


def test_a_wrong_key_and_a_server_that_is_down(info: dict[str, Any]) -> None:
    findings = diagnose(info, api_key="0" * 40)
    assert [(f.check, f.status) for f in findings] == [("credentials", CheckStatus.MISSING)]
    assert "API access key" in findings[0].fix and "0" * 40 not in findings[0].detail
    down = diagnose({**info, "base_url": f"http://127.0.0.1:{free_port()}"})
    assert [(f.check, f.status) for f in down] == [("reach", CheckStatus.MISSING)]
    assert "connection refused" in down[0].detail
