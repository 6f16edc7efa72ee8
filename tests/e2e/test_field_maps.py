"""Mapped fields through the daemon, on SQLite and PostgreSQL: a Zendesk field reaches Jira's
"Affects Version" and a select custom field; the fix version the developers set comes back to
a Zendesk field and to the customer, with its release date; a GitHub milestone comes back the
same way; a field Jira does not have is reported by ``syncd connectors test`` (and ``syncd
config check --live``) and, at run time, by an internal note on the ticket and a dead letter
with the reason (a field only read from Jira: by a note when the link is made)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from syncd.model import Ref
from syncd.store import analytics
from syncd.testing.sandbox import Sandbox
from tests.e2e.test_escalation_path import issue_of, notes
from tests.e2e.workflow_helpers import StartSandbox

PRODUCT, FIX, IMPACT, SEVERITY = 360001, 360002, 360003, 360004
JIRA_FIELDS: list[dict[str, Any]] = [
    {"ticket": "Product version", "issue": "Affects Version", "direction": "to_issue"},
    {"ticket": "Fix version", "issue": "fixVersions", "direction": "to_ticket"},
    {"ticket": "Impact", "issue": "Customer Impact", "values": {"low": "Low", "high": "High"}},
]
PLANNED = (
    "{% if progress == 'milestone' %}The fix is planned for release "
    "{{ fields['Fix version'].value }} (due {{ fields['Fix version'].due | day('%-d %b') }})."
    "{% else %}Work started.{% endif %}"
)
ROUTES = [
    {
        "name": "unknown-field",
        "match": {"tags": ["escalate", "jira", "severity"]},
        "target": {"connector": "jira", "project": "WID", "issue_type": "Bug"},
        "fields": [
            {"ticket": "Severity", "issue": "Severity", "direction": "to_issue"},
            {"ticket": "Fix version", "issue": "Fixed In", "direction": "to_ticket"},
        ],
    },
    {
        "name": "backend",
        "match": {"tags": ["escalate", "jira"]},
        "target": {"connector": "jira", "project": "WID", "issue_type": "Bug"},
        "notify_progress": True,
        "templates": {"progress": PLANNED},
        "fields": JIRA_FIELDS,
    },
    {
        "name": "widgets",
        "match": {"tags": ["escalate"]},
        "target": {"connector": "github", "project": "acme/widgets"},
        "notify_progress": True,
        "fields": [{"ticket": "Fix version", "issue": "milestone", "direction": "to_ticket"}],
    },
]
CUSTOM = {"Product version": PRODUCT, "Fix version": FIX, "Impact": IMPACT, "Severity": SEVERITY}


@pytest.fixture
def sb(hooked_on_store: StartSandbox) -> Sandbox:
    return hooked_on_store(
        more=("jira",), routes=ROUTES, overrides={"zendesk": {"custom_fields": CUSTOM}}
    )


def syncd(*args: str) -> subprocess.CompletedProcess[str]:
    """A command in a child process, as an admin runs it (it sets up logging its own way)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")} | {"COLUMNS": "240"}
    cmd = [sys.executable, "-m", "syncd.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)


def escalated(sb: Sandbox, tags: list[str], fields: dict[int, str]) -> tuple[Ref, Ref]:
    zendesk = sb.sides["zendesk"].emulator
    number = zendesk.create_ticket(
        "Invoices fail to render", "Since the update.", tags=tags, custom_fields=fields
    )
    ticket = Ref.ticket("zendesk", number)
    issue = sb.wait("issue", lambda: issue_of(sb, ticket))
    return ticket, issue


def field(sb: Sandbox, ticket: Ref, fid: int) -> Any:
    raw = sb.sides["zendesk"].emulator.ticket(int(ticket.key))
    return next((f["value"] for f in raw.get("custom_fields") or [] if f["id"] == fid), None)


def test_zendesk_field_to_jira_and_the_fix_version_back_to_the_customer(sb: Sandbox) -> None:
    jira, zendesk = sb.actor("jira"), sb.sides["zendesk"].emulator
    ticket, issue = escalated(sb, ["escalate", "jira"], {PRODUCT: "2.3", IMPACT: "high"})
    stored = jira.emulator.issue
    sb.wait("affects version at escalation", lambda: stored(issue.key).versions == ["2.3"])
    sb.wait("impact", lambda: stored(issue.key).custom.get("customfield_10020") == "High")

    # the agent corrects the product version: the issue follows
    zendesk.update(int(ticket.key), custom_fields=[{"id": PRODUCT, "value": "2.4"}])
    sb.wait("affects version changed", lambda: stored(issue.key).versions == ["2.4"])

    # the developers plan the fix: the ticket's field and the customer learn the release
    jira.set_fields(issue, {"fixVersions": [{"name": "2.4"}]})
    sb.wait("fix version on the ticket", lambda: field(sb, ticket, FIX) == "2.4")
    told = sb.wait("customer told", lambda: notes(sb, ticket, public=True, text="planned"))
    assert "The fix is planned for release 2.4 (due 14 Jan)." in told[0].body  # type: ignore[attr-defined]

    # both sides lead the impact: the developers' later change comes back through the map
    jira.set_fields(issue, {"customfield_10020": {"value": "Low"}})
    sb.wait("impact back on the ticket", lambda: field(sb, ticket, IMPACT) == "low")
    sb.settle()
    assert stored(issue.key).versions == ["2.4"]  # nothing bounced back
    assert len(notes(sb, ticket, public=True, text="planned")) == 1


def test_github_milestone_back_to_the_ticket(sb: Sandbox) -> None:
    github = sb.tracker
    ticket, issue = escalated(sb, ["escalate"], {PRODUCT: "2.3"})
    github.add_milestone("acme/widgets", "v2.4", "2027-01-14T08:00:00Z")
    github.set_milestone(issue, "v2.4")
    sb.wait("milestone on the ticket", lambda: field(sb, ticket, FIX) == "v2.4")
    told = sb.wait("customer told", lambda: notes(sb, ticket, public=True, text="v2.4"))
    assert "planned for release v2.4 (due 14 Jan 2027)" in told[0].body  # type: ignore[attr-defined]


def test_unknown_jira_field_is_reported_by_the_check_and_at_run_time(sb: Sandbox) -> None:
    assert sb.settings is not None and sb.settings.source
    result = syncd("connectors", "test", "jira", "--json", "-c", sb.settings.source)
    assert result.returncode == 1, result.stdout + result.stderr
    found = json.loads(result.stdout)
    checks = {f["check"]: f for c in found["connectors"] for f in c["findings"]}
    assert checks["field 'Severity'"]["status"] == "missing"
    assert "routes.unknown-field.fields.0.issue" in checks["field 'Severity'"]["detail"]
    assert checks["field 'Fixed In'"]["status"] == "missing"
    assert checks["field 'Affects Version'"]["status"] == "ok"
    checked = syncd("config", "check", sb.settings.source, "--live")
    assert checked.returncode == 1 and "Severity" in checked.stdout, checked.stdout

    ticket, _ = escalated(sb, ["escalate", "jira", "severity"], {SEVERITY: "S1"})
    said = sb.wait(
        "agent told", lambda: notes(sb, ticket, public=False, text="no Jira field named")
    )
    assert "'Severity'" in said[0].body  # type: ignore[attr-defined]
    assert sb.service is not None
    dead = sb.wait(
        "dead letter",
        lambda: [d for d in analytics.dead(sb.service.store) if "Severity" in d.reason],
    )
    assert dead[0].kind == "update_issue"
    # a field only read from Jira cannot fail a write: the agent is told when the link is made
    assert sb.wait("unread field", lambda: notes(sb, ticket, public=False, text="'Fixed In'"))
