"""``syncd connectors test`` for Request Tracker, through what REST2 shows.

Checks: the credentials (``GET /rt``, then syncd's own user: privileged, or RT grants it no
rights), the two custom fields (``GET /customfields`` by name and lookup type), then per queue
(``queues``, or every queue syncd sees): that syncd sees it (SeeQueue), may create tickets in
it (the queue's ``create`` link), that the custom fields apply to its tickets and their
transactions (the queue record lists them), and the ticket rights, read from the links of
the newest ticket syncd can see there (ReplyToTicket: ``correspond``, CommentOnTicket:
``comment``, ModifyTicket: the lifecycle links). What REST2 never shows (ShowTicketComments,
the custom field rights, the notify Scrip) is "could not tell", with where to look.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from syncd.connector import DiagnoseContext, Finding
from syncd.diagnose import Checks, first_call, webhook_unknown, webhooks_off
from syncd.errors import ConfigError, Forbidden, NotFound, RemoteError

from .client import token_user_id

if TYPE_CHECKING:
    from .connector import RTConnector

TICKET_LOOKUP = "RT::Queue-RT::Ticket"
TXN_LOOKUP = "RT::Queue-RT::Ticket-RT::Transaction"
USERS_SCREEN = "Admin → Users"
CF_SCREEN = "Admin → Custom Fields"
# ticket links REST2 shows only to holders of the right
LINK_RIGHTS = (
    ("correspond", "ReplyToTicket"),
    ("comment", "CommentOnTicket"),
    ("lifecycle", "ModifyTicket"),
)


def diagnose(conn: RTConnector, context: DiagnoseContext) -> list[Finding]:
    """The findings of one Request Tracker connector."""
    checks = Checks()
    s = conn.settings
    try:
        found = first_call(
            checks,
            s.base_url,
            lambda: (conn.client.get("/rt"), _me(conn)),
            check="credentials",
            fix="create a new auth token for syncd's RT user (Logged in as → Settings → Auth "
            "Tokens) and set token / token_file, or check username and password",
        )
    except (ConfigError, RemoteError) as exc:
        detail = (
            "; ".join(m for _, _, m in exc.problems) if isinstance(exc, ConfigError) else str(exc)
        )
        checks.missing("credentials", detail, "set username: the name of syncd's RT user")
        return checks
    if found is None:
        return checks
    info, me = found
    name = str(me.get("Name"))
    version = (info or {}).get("Version", "?")
    if str(me.get("Privileged")) not in ("1", "True", "true"):
        checks.missing(
            "credentials",
            f"{name} is unprivileged: RT grants no queue rights to unprivileged users",
            f"tick 'Let this user be granted rights (Privileged)' ({USERS_SCREEN} → {name})",
        )
        return checks
    checks.ok("credentials", f"{name}, privileged, Request Tracker {version}")
    _custom_fields(conn, checks, name)
    for queue in _queues(conn, checks):
        _queue(conn, context, checks, queue, name)
    checks.unknown(
        "rights REST2 does not show",
        "ShowTicketComments (to read notes) and SeeCustomField + ModifyCustomField on "
        f"{s.link_custom_field!r} and {s.key_custom_field!r}",
        f"check them: Admin → Queues → <queue> → User Rights, and {CF_SCREEN} → <field> → "
        f"User Rights, for {name}",
    )
    _scrip(conn, context, checks)
    return checks


def _me(conn: RTConnector) -> dict[str, Any]:
    """syncd's own user record (who a token belongs to is in the token)."""
    s = conn.settings
    who: str | int | None = s.username or token_user_id(conn.client.token or "")
    if who is None:
        raise ConfigError([("", "username", "the token names no user: set username")])
    return dict(conn.client.get(f"/user/{who}"))


def _custom_fields(conn: RTConnector, checks: Checks, name: str) -> None:
    s = conn.settings
    for field, lookup, kind, key in (
        (s.link_custom_field, TICKET_LOOKUP, "ticket", "link_custom_field"),
        (s.key_custom_field, TXN_LOOKUP, "transaction", "key_custom_field"),
    ):
        check = f"custom field {field}"
        query = json.dumps([{"field": "Name", "value": field}])
        try:
            found = conn.client.get("/customfields", query=query, fields="Name,LookupType")
        except RemoteError as exc:
            checks.failed(check, exc)
            continue
        items = [i for i in (found or {}).get("items") or [] if i.get("Name") == field]
        if any(i.get("LookupType") == lookup for i in items):
            checks.ok(check, f"a {kind} custom field ({key})")
            continue
        applies = "tickets" if kind == "ticket" else "ticket transactions"
        other = f" (there is one, but not for {applies})" if items else ""
        checks.missing(
            check,
            f"no {kind} custom field {field!r} that {name} can see{other}",
            f"create it ({CF_SCREEN} → Create: Freeform, one value, applies to {applies}), "
            f"grant {name} SeeCustomField and ModifyCustomField on it; or change {key}",
        )


def _queues(conn: RTConnector, checks: Checks) -> list[str]:
    if conn.settings.queues:
        return list(conn.settings.queues)
    try:
        seen = [
            str(q.get("Name"))
            for q in conn.client.collection("/queues/all", {"fields": "Name", "per_page": 100})
        ]
    except RemoteError as exc:
        checks.failed("queues", exc)
        return []
    if not seen:
        checks.missing(
            "queues",
            "queues is empty, so syncd reads every queue it can see, and it sees none",
            "grant SeeQueue and the ticket rights on the queues syncd serves, or list them "
            "in queues",
        )
    else:
        checks.ok("queues", f"queues is empty: syncd reads every queue it sees: {', '.join(seen)}")
    return seen


def _queue(
    conn: RTConnector, context: DiagnoseContext, checks: Checks, queue: str, name: str
) -> None:
    screen = f"Admin → Queues → {queue} → User Rights"
    try:
        record = conn.client.get(f"/queue/{queue}")
    except (Forbidden, NotFound):
        checks.missing(
            f"queue {queue}",
            f"RT refuses it: there is no queue {queue!r}, or {name} lacks SeeQueue on it "
            "(RT answers both alike)",
            f"check the name in queues; grant {name} SeeQueue ({screen})",
        )
        return
    except RemoteError as exc:
        checks.failed(f"queue {queue}", exc)
        return
    links = {str(h.get("ref")) for h in record.get("_hyperlinks") or []}
    lacking = [] if "create" in links else ["CreateTicket"]
    seen_on, ticket_links = _newest_ticket(conn, queue)
    if seen_on is not None:
        lacking += [right for ref, right in LINK_RIGHTS if ref not in ticket_links]
    if lacking:
        checks.missing(
            f"queue {queue}",
            f"{name} lacks {', '.join(lacking)} in {queue}",
            f"grant them to {name} ({screen})",
        )
    elif seen_on is None:
        checks.unknown(
            f"queue {queue}",
            f"SeeQueue and CreateTicket held; {queue} has no ticket {name} can see, and "
            "REST2 shows ShowTicket, ReplyToTicket, CommentOnTicket and ModifyTicket only on "
            "a ticket",
            f"check them ({screen}), or test again once the queue has a ticket",
        )
    else:
        checks.ok(
            f"queue {queue}",
            "SeeQueue, CreateTicket, ShowTicket, ReplyToTicket, CommentOnTicket, ModifyTicket "
            f"(seen on ticket {seen_on})",
        )
    _applied(conn, context, checks, queue, record)


def _newest_ticket(conn: RTConnector, queue: str) -> tuple[int | None, set[str]]:
    """The newest ticket syncd sees in ``queue`` and the links REST2 gives it there."""
    quoted = queue.replace("'", "\\'")
    try:
        found = conn.client.get(
            "/tickets", query=f"Queue = '{quoted}'", per_page=1, orderby="id", order="DESC"
        )
        items = (found or {}).get("items") or []
        if not items:
            return None, set()
        tid = int(items[0]["id"])
        ticket = conn.client.get(f"/ticket/{tid}")
    except (RemoteError, KeyError, ValueError):
        return None, set()
    return tid, {str(h.get("ref")) for h in ticket.get("_hyperlinks") or []}


def _applied(
    conn: RTConnector,
    context: DiagnoseContext,
    checks: Checks,
    queue: str,
    record: dict[str, Any],
) -> None:
    s = conn.settings
    on_tickets = {str(c.get("name")) for c in record.get("TicketCustomFields") or []}
    on_txns = {str(c.get("name")) for c in record.get("TicketTransactionCustomFields") or []}
    absent = [] if s.link_custom_field in on_tickets else [f"{s.link_custom_field!r} (tickets)"]
    if s.key_custom_field not in on_txns:
        absent.append(f"{s.key_custom_field!r} (ticket transactions)")
    absent += [
        f"{f.name!r} (tickets; named by {', '.join(f.named_by)})"
        for f in context.fields
        if f.name not in on_tickets
    ]
    check = f"queue {queue}: custom fields"
    if absent:
        checks.missing(
            check,
            f"not applied to {queue}, or not visible to syncd: {', '.join(absent)}",
            f"{CF_SCREEN} → <field> → Applies to: {queue} (or globally), and grant "
            "SeeCustomField + ModifyCustomField",
        )
    else:
        named = sorted({s.link_custom_field, *(f.name for f in context.fields)})
        checks.ok(check, f"tickets: {', '.join(named)}; transactions: {s.key_custom_field}")


def _scrip(conn: RTConnector, context: DiagnoseContext, checks: Checks) -> None:
    check = "notify Scrip"
    if not context.webhooks:
        checks.append(webhooks_off(check))
        return
    if not conn.settings.secret("webhook_secret", required=False):
        checks.missing(
            "webhook secret",
            "webhooks are on but no webhook_secret is set: every notice would be refused",
            "set webhook_secret (or webhook_secret_file) to RT's $SyncdNotifySecret",
        )
    if context.webhook_url is None:
        checks.append(webhook_unknown(check))
        return
    checks.unknown(
        check,
        "REST2 cannot list Scrips, so syncd cannot see whether 'syncd notify' is there",
        "check Admin → Global → Scrips for 'syncd notify' (On Transaction, User Defined, "
        f"stage TransactionBatch) and in RT_SiteConfig.pm Set($SyncdNotifyURL, "
        f"'{context.webhook_url}') with $SyncdNotifySecret = webhook_secret",
    )
