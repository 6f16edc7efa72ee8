"""``syncd connectors test`` for Zendesk: what syncd's account can do, read from the API.

Checks, in order: the credentials (``GET /api/v2/users/me``: an agent or admin, not an end
user), every custom field syncd knows (``GET /api/v2/ticket_fields/{id}``) and every field
the workflow names, the incremental export (one call from a minute ago: a 403 means the role
lacks it), and the webhook to syncd (``GET /api/v2/webhooks``, admins only: for others the
answer is "could not tell").
"""

from __future__ import annotations

import hmac
import time
from typing import TYPE_CHECKING, Any

from syncd.connector import DiagnoseContext, Finding
from syncd.diagnose import Checks, first_call, webhook_unknown, webhooks_off
from syncd.errors import Forbidden, NotFound, RateLimited, RemoteError

from .poll import TICKETS
from .webhooks import EVENT_PREFIX

if TYPE_CHECKING:
    from .connector import ZendeskConnector

FIELDS_SCREEN = "Admin Center → Objects and rules → Tickets → Fields"
HOOKS_SCREEN = "Admin Center → Apps and integrations → Actions and webhooks → Webhooks"
ROLE_SCREEN = "Admin Center → People → Team → Team members"
# the ticket events whose changes syncd acts on; others only cost a delivery
WANTED_EVENTS = (
    "created",
    "comment_added",
    "status_changed",
    "priority_changed",
    "tags_changed",
    "custom_field_changed",
    "group_assignment_changed",
)


def diagnose(conn: ZendeskConnector, context: DiagnoseContext) -> list[Finding]:
    """The findings of one Zendesk connector."""
    checks = Checks()
    root = conn.settings.root
    body = first_call(
        checks,
        root,
        lambda: conn.client.get("/api/v2/users/me.json"),
        check="credentials",
        refused="Zendesk refused the credentials",
        fix="check email and api_token (Admin Center → Apps and integrations → APIs → "
        "Zendesk API → API tokens), or oauth_token",
    )
    if body is None:
        return checks
    user = body.get("user") or {}
    if not _credentials(checks, user):
        return checks
    _fields(conn, context, checks)
    _export(conn, checks)
    _webhook(conn, context, checks)
    return checks


def _credentials(checks: Checks, user: dict[str, Any]) -> bool:
    """The credentials row; False when nothing else is worth checking."""
    who = f"{user.get('name')} <{user.get('email')}>"
    role = str(user.get("role") or "")
    if not user.get("id"):
        # Zendesk answers an unknown credential with an anonymous user, not a 401
        checks.missing(
            "credentials",
            "Zendesk answered as an anonymous user: the credentials were not accepted",
            "check email and api_token (or oauth_token) and that token access is enabled",
        )
        return False
    if user.get("suspended"):
        checks.missing("credentials", f"{who} is suspended", f"unsuspend the user ({ROLE_SCREEN})")
        return False
    if role not in ("admin", "agent"):
        checks.missing(
            "credentials",
            f"{who} is an {role or 'unknown role'} user: end users only see their own requests",
            f"use an agent or, better, an admin account for syncd ({ROLE_SCREEN})",
        )
        return False
    checks.ok("credentials", f"{who}, role {role}")
    return True


def _fields(conn: ZendeskConnector, context: DiagnoseContext, checks: Checks) -> None:
    known = conn.settings.custom_fields
    named = {f.name: f.named_by for f in context.fields}
    for name in named:
        if name not in known:
            checks.missing(
                f"field {name}",
                f"named by {', '.join(named[name])} but custom_fields gives it no Zendesk id",
                f"add it to custom_fields with the id {FIELDS_SCREEN} shows",
            )
    for name, field_id in known.items():
        check = f"field {name}"
        by = f"; named by {', '.join(named[name])}" if name in named else ""
        try:
            found = conn.client.get(f"/api/v2/ticket_fields/{field_id}.json")
        except NotFound:
            checks.missing(
                check,
                f"Zendesk has no ticket field {field_id} (custom_fields.{name}){by}",
                f"put the field's id in custom_fields.{name} ({FIELDS_SCREEN}), or create it",
            )
            continue
        except RemoteError as exc:
            checks.failed(check, exc)
            continue
        raw = found.get("ticket_field") or {}
        what = f"id {field_id}: {raw.get('title')!r} ({raw.get('type')}){by}"
        if raw.get("active") is False:
            checks.warning(
                check,
                f"{what} is inactive: agents do not see it",
                f"activate it ({FIELDS_SCREEN})",
            )
        else:
            checks.ok(check, what)


def _export(conn: ZendeskConnector, checks: Checks) -> None:
    check = "incremental export"
    since = int(time.time()) - 60
    try:
        conn.client.get(TICKETS, {"start_time": since, "per_page": 1})
    except Forbidden:
        checks.missing(
            check,
            "Zendesk refused the incremental ticket export (403): polling, the safety net for "
            "missed webhooks, cannot work",
            f"give syncd's account the admin role ({ROLE_SCREEN}); the export is for admins",
        )
    except RateLimited:
        checks.unknown(
            check,
            "rate limited: Zendesk allows 10 export calls a minute (a running syncd uses them)",
            "run the test again in a minute",
        )
    except RemoteError as exc:
        checks.failed(check, exc)
    else:
        checks.ok(check, "allowed (cursor-based ticket export)")


def _webhook(conn: ZendeskConnector, context: DiagnoseContext, checks: Checks) -> None:
    if not context.webhooks:
        checks.append(webhooks_off())
        return
    secret = conn.settings.secret("webhook_secret", required=False)
    if not secret:
        checks.missing(
            "webhook secret",
            "webhooks are on but no webhook_secret is set: every delivery would be refused",
            f"set webhook_secret (or webhook_secret_file) to the webhook's signing secret "
            f"({HOOKS_SCREEN} → the webhook → Signing secret)",
        )
    if context.webhook_url is None:
        checks.append(webhook_unknown())
        return
    url = context.webhook_url
    try:
        hooks = _list_hooks(conn)
    except Forbidden:
        checks.unknown(
            "webhook",
            "only admins may list webhooks, and syncd's account is not one",
            f"look in {HOOKS_SCREEN} for an active webhook to {url} subscribed to the ticket "
            "events, or give syncd's account the admin role and test again",
        )
        return
    except RemoteError as exc:
        checks.failed("webhook", exc)
        return
    mine = [h for h in hooks if _same(h.get("endpoint"), url)]
    if not mine:
        suffix = "/webhooks/" + url.rsplit("/webhooks/", 1)[-1]
        near = [
            str(h.get("endpoint")) for h in hooks if str(h.get("endpoint", "")).endswith(suffix)
        ]
        seen = f" (there is one to {near[0]}: is server.public_url right?)" if near else ""
        checks.missing(
            "webhook",
            f"no webhook to {url}{seen}",
            f"create one in {HOOKS_SCREEN}: Zendesk events, the ticket events "
            f"(zen:event-type:ticket.*), endpoint {url}, POST, JSON; then put its signing "
            "secret in webhook_secret",
        )
        return
    hook = next((h for h in mine if h.get("status") == "active"), mine[0])
    _one_hook(conn, hook, secret, checks)


def _list_hooks(conn: ZendeskConnector) -> list[dict[str, Any]]:
    hooks: list[dict[str, Any]] = []
    path: str | None = "/api/v2/webhooks"
    params: dict[str, Any] | None = {"page[size]": 100}
    for _ in range(50):
        if path is None:
            break
        body = conn.client.get(path, params)
        hooks += [h for h in body.get("webhooks") or [] if isinstance(h, dict)]
        more = (body.get("meta") or {}).get("has_more")
        path, params = ((body.get("links") or {}).get("next") if more else None), None
    return hooks


def _same(endpoint: Any, url: str) -> bool:
    return isinstance(endpoint, str) and endpoint.rstrip("/") == url.rstrip("/")


def _one_hook(
    conn: ZendeskConnector, hook: dict[str, Any], secret: str | None, checks: Checks
) -> None:
    name = f"webhook {hook.get('name')!r} to {hook.get('endpoint')}"
    where = f"{HOOKS_SCREEN} → {hook.get('name')}"
    if hook.get("status") != "active":
        checks.missing("webhook", f"{name} is {hook.get('status')}", f"activate it ({where})")
        return
    if hook.get("http_method") != "POST" or hook.get("request_format") != "json":
        checks.missing(
            "webhook",
            f"{name} sends {hook.get('http_method')} {hook.get('request_format')}",
            f"make it POST with JSON ({where})",
        )
        return
    subs = [str(s) for s in hook.get("subscriptions") or []]
    events = {s.removeprefix(EVENT_PREFIX) for s in subs if s.startswith(EVENT_PREFIX)}
    if not events:
        if "conditional_ticket_events" in subs:
            checks.unknown(
                "webhook",
                f"{name} is connected to triggers: syncd cannot see which triggers call it",
                'check that a trigger calls it on every ticket update with {"ticket_id": '
                '"{{ticket.id}}"}, or subscribe it to the ticket events instead',
            )
        else:
            checks.missing(
                "webhook",
                f"{name} is not subscribed to the ticket events",
                f"subscribe it to the ticket events zen:event-type:ticket.* ({where})",
            )
        return
    lacking = [e for e in WANTED_EVENTS if e not in events]
    matched = _secret_matches(conn, hook, secret)
    if matched is False:
        checks.missing(
            "webhook",
            f"{name}: its signing secret is not syncd's webhook_secret, so every delivery is "
            "refused (401)",
            f"copy the signing secret ({where} → Signing secret → Reveal) into webhook_secret",
        )
        return
    signed = "; signing secret matches" if matched else ""
    if lacking:
        checks.warning(
            "webhook",
            f"{name} is active but not subscribed to "
            + ", ".join(EVENT_PREFIX + e for e in lacking)
            + f": those changes arrive only by polling{signed}",
            f"add them to the webhook's subscriptions ({where})",
        )
    else:
        checks.ok("webhook", f"{name}: active, ticket events, JSON{signed}")


def _secret_matches(
    conn: ZendeskConnector, hook: dict[str, Any], secret: str | None
) -> bool | None:
    """Whether the webhook signs with syncd's secret (None: cannot tell)."""
    if not secret or not hook.get("id"):
        return None
    try:
        body = conn.client.get(f"/api/v2/webhooks/{hook['id']}/signing_secret")
    except RemoteError:
        return None
    theirs = str((body.get("signing_secret") or {}).get("secret") or "")
    if not theirs:
        return None
    return hmac.compare_digest(theirs.encode(), secret.encode())
