"""What the core hands each connector for ``syncd connectors test`` and what it makes of the
answer: the context from the config, a connector that fails in any way as one row, and no
secret in any finding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from syncd.connector import (
    Capability,
    CheckStatus,
    DiagnoseContext,
    FieldUse,
    Finding,
    ProjectUse,
)
from syncd.diagnose import Checks, shown_url, why_unreachable
from syncd.errors import AuthError, TransientError
from syncd.selftest import context_for, redact, run, secrets_of
from syncd.settings import parse

ZENDESK = {
    "kind": "zendesk",
    "base_url": "https://acme.zendesk.com",
    "email": "bot@example.com",
    "api_token": "zendesk-api-token-value",
    "custom_fields": {"dev_issue": 1, "plan": 2, "product": 3, "dev_prio": 4},
}


def settings(**extra: Any) -> Any:
    raw: dict[str, Any] = {
        "server": {"public_url": "https://syncd.example.com/"},
        "connectors": {
            "zd": ZENDESK,
            "zd2": {**ZENDESK, "custom_fields": {"dev_issue": 1, "plan": 2, "other": 5}},
            "gh": {"kind": "github", "token": "github-token-value", "webhooks": False},
            "jira": {
                "kind": "jira",
                "base_url": "https://acme.atlassian.net",
                "email": "bot@example.com",
                "api_token": "jira-token-value",
            },
        },
        "linking": {"field": "dev_issue"},
        "tiers": {"customer_tier_field": "plan"},
        "routes": [
            {
                "name": "widgets",
                "helpdesk": "zd",
                "match": {"fields": {"product": "Widget"}},
                "dev_priority": {"field": "dev_prio"},
                "target": {
                    "connector": "gh",
                    "project": "acme/widgets",
                    "labels": ["from-support"],
                    "team": "core",
                },
                "sla": {"default": {"resolve": "8h"}},
            },
            {"name": "more", "target": {"connector": "gh", "project": "acme/widgets"}},
            {"name": "ops", "target": {"connector": "jira", "project": "OPS", "issue_type": "Bug"}},
            {
                "name": "other",
                "helpdesk": "zd2",
                "match": {"fields": {"other": "x"}},
                "target": {"connector": "jira", "project": "OPS"},
            },
        ],
        **extra,
    }
    return parse(raw)


def test_trackers_learn_the_projects_routes_target() -> None:
    ctx = context_for(settings(), "gh")
    (widgets,) = ctx.projects
    assert widgets.project == "acme/widgets" and widgets.routes == ("widgets", "more")
    assert widgets.labels[:4] == ("from-support", "team:core", "sla:at-risk", "sla:breached")
    assert "impact:2-5" in widgets.labels and widgets.issue_types == ()
    assert ctx.webhooks is False and ctx.webhook_url == "https://syncd.example.com/webhooks/gh"
    (ops,) = context_for(settings(), "jira").projects
    assert ops == ProjectUse("OPS", ("ops", "other"), ("Bug",), ops.labels)


def test_helpdesks_learn_the_fields_the_workflow_names() -> None:
    assert context_for(settings(), "zd").fields == (
        FieldUse("dev_issue", ("linking.field",)),
        FieldUse("plan", ("tiers.customer_tier_field",)),
        FieldUse("product", ("routes.widgets.match.fields",)),
        FieldUse("dev_prio", ("routes.widgets.dev_priority.field",)),
    )
    names = [f.name for f in context_for(settings(), "zd2").fields]
    assert names == ["dev_issue", "plan", "other"]  # not the fields of zd's own route
    assert context_for(settings(), "zd").projects == ()


def test_no_public_url_no_webhook_url() -> None:
    assert context_for(settings(server={}), "zd").webhook_url is None


class Fake:
    """A connector as the contract sees it, whose diagnose does what a test says."""

    name = "fake"

    def __init__(self, outcome: Any, caps: frozenset[Capability] | None = None) -> None:
        self.outcome = outcome
        self.capabilities = frozenset({Capability.DIAGNOSE}) if caps is None else caps

    def diagnose(self, context: DiagnoseContext) -> list[Finding]:
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return list(self.outcome)


def _refused() -> TransientError:
    """What a client raises when nothing listens: httpx's error as the cause."""
    try:
        try:
            raise httpx.ConnectError("[Errno 111] Connection refused")
        except httpx.ConnectError as exc:
            raise TransientError("GET /: ConnectError") from exc
    except TransientError as outer:
        return outer


@pytest.mark.parametrize(
    ("outcome", "check", "status", "words"),
    [
        (
            _refused(),
            "reach",
            CheckStatus.MISSING,
            "cannot reach https://h.example: connection refused",
        ),
        (
            AuthError("401 Bad credentials"),
            "credentials",
            CheckStatus.MISSING,
            "401 Bad credentials",
        ),
        (
            RuntimeError("boom"),
            "self-test",
            CheckStatus.UNKNOWN,
            "unexpected error: RuntimeError: boom",
        ),
    ],
)
def test_what_escapes_a_connector_is_one_row(
    outcome: BaseException, check: str, status: CheckStatus, words: str
) -> None:
    (only,) = run(Fake(outcome), DiagnoseContext(), "https://user:pw@h.example")
    assert (only.check, only.status) == (check, status)
    assert words in only.detail


def test_a_connector_that_cannot_test_itself() -> None:
    (only,) = run(Fake([], caps=frozenset()), DiagnoseContext(), "https://h")
    assert only.status == CheckStatus.UNKNOWN and "cannot check its own set-up" in only.detail


def test_secrets_never_leave(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("from-a-file-secret\n")
    conf = (
        settings().connector("zd").model_copy(update={"webhook_secret_file": tmp_path / "secret"})
    )
    found = secrets_of(conf)
    assert "zendesk-api-token-value" in found and "from-a-file-secret" in found
    checks = Checks()
    checks.missing(
        "x", "the vendor said: zendesk-api-token-value is wrong", "not from-a-file-secret"
    )
    checks.ok("y", "fine")
    cleaned = redact(checks, found)
    assert cleaned[0].detail == "the vendor said: *** is wrong" and cleaned[0].fix == "not ***"
    assert cleaned[1] == Finding("y", CheckStatus.OK, "fine")


def test_reasons_and_urls_as_an_admin_reads_them() -> None:
    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except OSError as inner:
            raise TransientError("GET /user failed") from inner
    except TransientError as exc:
        assert why_unreachable(exc) == "connection refused"
    assert why_unreachable(TransientError("Read timed out. (read timeout=10)")) == "timed out"
    assert why_unreachable(TransientError("odd\nsecond line")) == "odd"
    assert shown_url("https://bot:pw@jira.example/x") == "https://jira.example/x"
    assert shown_url("https://jira.example") == "https://jira.example"
