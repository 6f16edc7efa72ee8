"""``syncd connectors test`` for Freshdesk: what syncd's agent can do, read from the API.

Checks, in order: the API key (``GET /api/v2/agents/me``), the statuses and custom fields the
settings name against the account's ticket fields (``GET /api/v2/ticket_fields``, which
lists the status field's choices), every field the workflow names, and one page of the
ticket list the poll reads. Freshdesk's API does not list automation rules, so the webhook
to syncd is "could not tell", with the rule to create.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from syncd.connector import DiagnoseContext, Finding
from syncd.diagnose import Checks, first_call, webhook_target
from syncd.errors import RemoteError

from .mapping import stamp

if TYPE_CHECKING:
    from .connector import FreshdeskConnector

FIELDS_SCREEN = "Admin → Workflows → Ticket Fields"
RULES_SCREEN = "Admin → Workflows → Automations → Ticket updates (and Ticket creation)"


def diagnose(conn: FreshdeskConnector, context: DiagnoseContext) -> list[Finding]:
    """The findings of one Freshdesk connector."""
    checks = Checks()
    try:
        who = first_call(
            checks,
            conn.settings.root,
            conn.check,
            check="credentials",
            refused="Freshdesk refused the API key",
            fix="set api_key to the key of syncd's agent (Profile settings → View API key)",
        )
    except RemoteError as exc:
        checks.failed("credentials", exc)
        return checks
    if who is None:
        return checks
    checks.ok("credentials", who)
    _fields(conn, context, checks)
    _ticket_list(conn, checks)
    _webhook(conn, context, checks)
    return checks


def _fields(conn: FreshdeskConnector, context: DiagnoseContext, checks: Checks) -> None:
    settings = conn.settings
    named = {f.name: f.named_by for f in context.fields}
    for name in sorted(set(named) - set(settings.custom_fields)):
        checks.missing(
            f"field {name}",
            f"named by {', '.join(named[name])} but custom_fields gives it no Freshdesk name",
            f"add it to custom_fields with the field's name (cf_...) from {FIELDS_SCREEN}",
        )
    if not settings.custom_fields and not settings.custom_statuses:
        return
    try:
        fields: list[dict[str, Any]] = list(conn.client.get("/api/v2/ticket_fields") or ())
    except RemoteError as exc:
        checks.failed("ticket fields", exc)
        return
    by_name = {str(f.get("name")): f for f in fields if isinstance(f, dict)}
    for name, api_name in settings.custom_fields.items():
        by = f"; named by {', '.join(named[name])}" if name in named else ""
        if api_name in by_name:
            checks.ok(f"field {name}", f"{api_name}: {by_name[api_name].get('label')!r}{by}")
        else:
            checks.missing(
                f"field {name}",
                f"Freshdesk has no ticket field {api_name!r} (custom_fields.{name}){by}",
                f"put the field's name in custom_fields.{name} ({FIELDS_SCREEN}), or create it",
            )
    choices = (by_name.get("status") or {}).get("choices") or {}
    for ident, status in settings.custom_statuses.items():
        label = choices.get(str(ident))
        if label:
            shown = label[0] if isinstance(label, list) else label
            checks.ok(f"status {ident}", f"{shown!r} read as {status.value}")
        else:
            checks.missing(
                f"status {ident}",
                f"the account has no status {ident} (custom_statuses)",
                f"use the ids the status field lists ({FIELDS_SCREEN} → Status)",
            )


def _ticket_list(conn: FreshdeskConnector, checks: Checks) -> None:
    since = stamp(datetime.now(UTC) - timedelta(minutes=1))
    try:
        conn.client.get("/api/v2/tickets", {"updated_since": since, "per_page": 1})
    except RemoteError as exc:
        checks.missing(
            "ticket list",
            f"the poll's ticket list is refused: {exc}",
            "give syncd's agent access to all tickets (Admin → Team → Agents → Ticket scope: "
            "Global access)",
        )
        return
    checks.ok("ticket list", "updated_since is readable")


def _webhook(conn: FreshdeskConnector, context: DiagnoseContext, checks: Checks) -> None:
    url = webhook_target(context, checks)
    if url is None:
        return
    settings = conn.settings
    how = (
        f"a custom header {settings.webhook_header}: <webhook_secret>"
        if settings.webhook_auth == "header"
        else f"basic credentials {settings.webhook_username} / <webhook_secret>"
    )
    checks.unknown(
        "webhook",
        "Freshdesk's API does not list automation rules",
        f"check a rule in {RULES_SCREEN} whose action triggers a webhook: POST "
        f'{url}, JSON content {{"ticket_id": {{{{ticket.id}}}}}}, with {how}',
    )
