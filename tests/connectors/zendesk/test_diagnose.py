"""``syncd connectors test`` for Zendesk against the emulator: everything in order, then each
thing that can be missing, with the row an admin sees and what it tells them to do."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.zendesk import factory
from connectors.zendesk.emulator import ZendeskEmulator
from connectors.zendesk.emulator.admin import TICKET_EVENTS
from syncd.connector import CheckStatus, DiagnoseContext, FieldUse, Finding
from syncd.testing.server import free_port
from tests.connectors.kit import row, self_test

from .conftest import settings_for

HOOK = "http://127.0.0.1:8080/webhooks/zd"
CONTEXT = DiagnoseContext(
    fields=(FieldUse("jira_key", ("linking.field",)),), webhooks=True, webhook_url=HOOK
)


@pytest.fixture
def emu(served: tuple[ZendeskEmulator, str]) -> Iterator[ZendeskEmulator]:
    """The module's emulator with both custom fields and a webhook to syncd."""
    emulator, _ = served
    emulator.admin.add_field(27642, "Jira key")
    emulator.admin.add_field(27648, "Impact", "integer")
    emulator.admin.register(HOOK)
    yield emulator
    emulator.admin.clear()


def diagnose(url: str, context: DiagnoseContext = CONTEXT, **over: Any) -> list[Finding]:
    conn = factory("zd", settings_for(url, **over))
    return self_test(conn, context, url)


def test_everything_in_order(served: tuple[ZendeskEmulator, str], emu: ZendeskEmulator) -> None:
    findings = diagnose(served[1])
    assert [f.check for f in findings] == [
        "credentials",
        "field jira_key",
        "field impact",
        "incremental export",
        "webhook",
    ]
    assert all(f.status == CheckStatus.OK for f in findings), findings
    assert "role admin" in row(findings, "credentials").detail
    assert "named by linking.field" in row(findings, "field jira_key").detail
    assert "signing secret matches" in row(findings, "webhook").detail


def test_end_user_account(served: tuple[ZendeskEmulator, str], emu: ZendeskEmulator) -> None:
    (only,) = diagnose(served[1], email="customer@example.com", api_token="customer-token")
    assert only.check == "credentials" and only.status == CheckStatus.MISSING
    assert "end-user" in only.detail and "agent or, better, an admin" in only.fix


def test_agent_account_lacks_the_export_and_cannot_list_webhooks(
    served: tuple[ZendeskEmulator, str], emu: ZendeskEmulator
) -> None:
    findings = diagnose(served[1], email="agent@example.com", api_token="agent-token")
    assert row(findings, "credentials").status == CheckStatus.OK
    export = row(findings, "incremental export")
    assert export.status == CheckStatus.MISSING and "403" in export.detail
    assert "admin role" in export.fix
    hook = row(findings, "webhook")
    assert hook.status == CheckStatus.UNKNOWN and "only admins may list webhooks" in hook.detail
    assert HOOK in hook.fix


def test_refused_credentials(served: tuple[ZendeskEmulator, str], emu: ZendeskEmulator) -> None:
    (only,) = diagnose(served[1], api_token="wrong-token")
    assert only.check == "credentials" and only.status == CheckStatus.MISSING
    assert "API tokens" in only.fix


def test_custom_field_that_does_not_exist(
    served: tuple[ZendeskEmulator, str], emu: ZendeskEmulator
) -> None:
    del emu.admin.fields[27648]
    found = row(diagnose(served[1]), "field impact")
    assert found.status == CheckStatus.MISSING
    assert found.detail == "Zendesk has no ticket field 27648 (custom_fields.impact)"
    assert "Objects and rules → Tickets → Fields" in found.fix


def test_inactive_field_is_a_warning(
    served: tuple[ZendeskEmulator, str], emu: ZendeskEmulator
) -> None:
    emu.admin.add_field(27648, "Impact", active=False)
    found = row(diagnose(served[1]), "field impact")
    assert found.status == CheckStatus.WARNING and "inactive" in found.detail


def test_field_the_workflow_names_without_an_id(
    served: tuple[ZendeskEmulator, str], emu: ZendeskEmulator
) -> None:
    context = DiagnoseContext(fields=(FieldUse("plan", ("tiers.customer_tier_field",)),))
    found = row(diagnose(served[1], context), "field plan")
    assert found.status == CheckStatus.MISSING
    assert "tiers.customer_tier_field" in found.detail and "custom_fields" in found.fix


def test_no_webhook_to_syncd(served: tuple[ZendeskEmulator, str], emu: ZendeskEmulator) -> None:
    emu.admin.clear()
    emu.admin.add_field(27642, "Jira key")
    emu.admin.add_field(27648, "Impact")
    emu.admin.register("https://old-host.example/webhooks/zd")
    found = row(diagnose(served[1]), "webhook")
    assert found.status == CheckStatus.MISSING
    assert found.detail.startswith(f"no webhook to {HOOK}")
    assert "https://old-host.example/webhooks/zd" in found.detail  # is public_url right?
    assert "zen:event-type:ticket.*" in found.fix and HOOK in found.fix


@pytest.mark.parametrize(
    ("change", "detail", "status"),
    [
        ({"status": "inactive"}, "is inactive", CheckStatus.MISSING),
        ({"request_format": "xml"}, "sends POST xml", CheckStatus.MISSING),
        ({"subscriptions": ["zen:event-type:user.created"]}, "not subscribed", CheckStatus.MISSING),
        ({"signing_secret": "another"}, "signing secret is not syncd's", CheckStatus.MISSING),
        (
            {"subscriptions": ["conditional_ticket_events"]},
            "connected to triggers",
            CheckStatus.UNKNOWN,
        ),
        (
            {"subscriptions": [e for e in TICKET_EVENTS if not e.endswith("comment_added")]},
            "zen:event-type:ticket.comment_added",
            CheckStatus.WARNING,
        ),
    ],
)
def test_webhook_that_would_not_work(
    served: tuple[ZendeskEmulator, str],
    emu: ZendeskEmulator,
    change: dict[str, Any],
    detail: str,
    status: CheckStatus,
) -> None:
    emu.admin.registered = None
    emu.admin.register(HOOK, **change)
    found = row(diagnose(served[1]), "webhook")
    assert found.status == status and detail in found.detail, found
    assert found.fix


def test_without_public_url_the_webhook_cannot_be_checked(
    served: tuple[ZendeskEmulator, str], emu: ZendeskEmulator
) -> None:
    found = row(diagnose(served[1], DiagnoseContext(webhooks=True)), "webhook")
    assert found.status == CheckStatus.UNKNOWN and "server.public_url is empty" in found.detail
    assert "set server.public_url" in found.fix


def test_webhooks_off_and_no_secret(
    served: tuple[ZendeskEmulator, str], emu: ZendeskEmulator
) -> None:
    off = diagnose(served[1], DiagnoseContext(webhooks=False), webhook_secret=None)
    assert (
        row(off, "webhook").status == CheckStatus.OK and "polls only" in row(off, "webhook").detail
    )
    on = diagnose(served[1], webhook_secret=None)
    assert row(on, "webhook secret").status == CheckStatus.MISSING


def test_closed_port_is_one_row() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    (only,) = diagnose(url)
    assert only.check == "reach" and only.status == CheckStatus.MISSING
    assert only.detail == f"cannot reach {url}: connection refused"
