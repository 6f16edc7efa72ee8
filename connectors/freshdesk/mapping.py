"""Pure conversions between Freshdesk's JSON and syncd's canonical values.

Freshdesk writes statuses and priorities as numbers: status 2 Open, 3 Pending, 4 Resolved,
5 Closed and the account's custom ones from 6 (named in ``custom_statuses``); priority 1 Low,
2 Medium, 3 High, 4 Urgent. Custom fields are an object keyed by Freshdesk's field names
(``cf_...``). Names of people, groups and companies come in as plain mappings (``Names``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from syncd.model import Comment, Priority, Ref, Ticket, TicketStatus

from .text import from_html, to_html

_STATUS_IN = {
    2: TicketStatus.OPEN,
    3: TicketStatus.PENDING,
    4: TicketStatus.SOLVED,
    5: TicketStatus.CLOSED,
}
_STATUS_OUT = {
    TicketStatus.NEW: 2,  # Freshdesk has no "new": a new ticket is Open
    TicketStatus.OPEN: 2,
    TicketStatus.PENDING: 3,
    TicketStatus.SOLVED: 4,
    TicketStatus.CLOSED: 5,
}
_PRIORITY_IN = {1: Priority.LOW, 2: Priority.NORMAL, 3: Priority.HIGH, 4: Priority.URGENT}
_PRIORITY_OUT = {v: k for k, v in _PRIORITY_IN.items()}
# what a conversation's ``source`` says it is (Freshdesk's "Conversation sources")
REPLY, NOTE = 0, 2


@dataclass(frozen=True)
class Names:
    """Display names known for Freshdesk ids; an unknown id is shown as the id itself."""

    users: Mapping[int, str] = field(default_factory=dict)  # agents and contacts
    groups: Mapping[int, str] = field(default_factory=dict)
    companies: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """What a mapping needs to know about the connector instance."""

    connector: str
    base_url: str = ""
    ticket_url_template: str = "{base_url}/a/tickets/{id}"
    custom_statuses: Mapping[int, TicketStatus] = field(default_factory=dict)
    custom_fields: Mapping[str, str] = field(default_factory=dict)  # syncd name -> cf_ name
    bot_id: int | None = None

    def ticket_url(self, ticket_id: Any) -> str:
        return self.ticket_url_template.format(base_url=self.base_url.rstrip("/"), id=ticket_id)


def status_from_raw(raw: Any, custom: Mapping[int, TicketStatus]) -> TicketStatus:
    """Freshdesk's status number -> canonical status. A custom status not in the config is
    open: the ticket is neither waiting nor done as far as syncd can tell."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        found = _STATUS_IN.get(raw) or custom.get(raw)
        if found is not None:
            return found
    return TicketStatus.OPEN


def status_to_raw(status: TicketStatus, custom: Mapping[int, TicketStatus]) -> int:
    """Canonical status -> the number syncd writes. On-hold, which Freshdesk has not, is
    the first custom status mapped to it, else Pending."""
    if status in _STATUS_OUT:
        return _STATUS_OUT[status]
    ids = sorted(i for i, s in custom.items() if s == status)
    return ids[0] if ids else 3


def priority_from_raw(raw: Any) -> Priority | None:
    """Freshdesk's priority number (1-4) -> canonical priority."""
    return _PRIORITY_IN.get(raw) if isinstance(raw, int) and not isinstance(raw, bool) else None


def priority_to_raw(priority: Priority) -> int:
    """Canonical priority -> Freshdesk's number (normal is Medium, 2)."""
    return _PRIORITY_OUT[priority]


def parse_time(raw: str | None) -> datetime | None:
    """An ISO 8601 time as Freshdesk writes it (``2016-05-18T23:42:50Z``, or with an offset)."""
    if not raw:
        return None
    value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def stamp(moment: datetime) -> str:
    """A time as Freshdesk's ``updated_since`` takes it: whole seconds, UTC, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _id(raw: Any) -> int | None:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0 else None


def _named(raw: Any, names: Mapping[int, str]) -> str | None:
    ident = _id(raw)
    return None if ident is None else names.get(ident, str(ident))


def fields_by_name(raw: Any, by_name: Mapping[str, str]) -> dict[str, str]:
    """Freshdesk's ``custom_fields`` object -> ``{syncd name: text}`` for configured fields."""
    values = raw if isinstance(raw, Mapping) else {}
    out: dict[str, str] = {}
    for name, api_name in by_name.items():
        value = values.get(api_name)
        if value is None or value == "":
            continue
        out[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


def ticket_from_raw(raw: Mapping[str, Any], ctx: Context, names: Names | None = None) -> Ticket:
    """A ticket of the API (view, list, update) -> Ticket. The requester is shown by name
    only (from ``include=requester`` or names seen before), never by id or e-mail."""
    names = names or Names()
    ticket_id = raw["id"]
    requester = raw.get("requester")
    who = requester.get("name") if isinstance(requester, Mapping) else None
    company = raw.get("company")
    description = raw.get("description_text")
    if description is None:
        description = from_html(raw.get("description"))[0]
    return Ticket(
        ref=Ref.ticket(ctx.connector, ticket_id),
        subject=raw.get("subject") or "",
        description=description or "",
        status=status_from_raw(raw.get("status"), ctx.custom_statuses),
        priority=priority_from_raw(raw.get("priority")),
        tags=frozenset(str(t) for t in raw.get("tags") or ()),
        group=_named(raw.get("group_id"), names.groups),
        organization=(company.get("name") if isinstance(company, Mapping) else None)
        or _named(raw.get("company_id"), names.companies),
        requester=who or names.users.get(_id(raw.get("requester_id")) or 0),
        fields=fields_by_name(raw.get("custom_fields"), ctx.custom_fields),
        url=ctx.ticket_url(ticket_id),
        created_at=parse_time(raw.get("created_at")),
        updated_at=parse_time(raw.get("updated_at")),
    )


def comment_from_raw(
    raw: Mapping[str, Any], parent: Ref, ctx: Context, names: Names | None = None
) -> Comment:
    """A conversation (reply or note) -> Comment; a private note is internal."""
    names = names or Names()
    author = _id(raw.get("user_id"))
    body, key = from_html(raw.get("body"))
    if not body and raw.get("body_text"):
        body = str(raw["body_text"])
    return Comment(
        ref=Ref.comment(ctx.connector, raw["id"]),
        parent=parent,
        author=names.users.get(author, str(author)) if author else "",
        body=body,
        public=not raw.get("private", False),
        created_at=parse_time(raw.get("created_at")),
        updated_at=parse_time(raw.get("updated_at") or raw.get("created_at")),
        marker=key,
        by_syncd=author is not None and author == ctx.bot_id,
        attachments=tuple(
            str(a["name"])
            for a in raw.get("attachments") or ()
            if isinstance(a, dict) and a.get("name")
        ),
    )


def comments_from_raw(
    raws: Iterable[Mapping[str, Any]], parent: Ref, ctx: Context, names: Names | None = None
) -> list[Comment]:
    """A ticket's conversations, oldest first."""
    ordered = sorted(raws, key=lambda r: (str(r.get("created_at") or ""), int(r["id"])))
    return [comment_from_raw(r, parent, ctx, names) for r in ordered]


def update_body(
    *,
    status: TicketStatus | None = None,
    priority: Priority | None = None,
    tags: Sequence[str] | None = None,
    fields: Mapping[str, str] | None = None,
    ctx: Context,
) -> dict[str, Any]:
    """The body of one ``PUT /api/v2/tickets/{id}``. ``tags`` is the whole new list:
    Freshdesk replaces a ticket's tags with what it is sent."""
    body: dict[str, Any] = {}
    if status is not None:
        body["status"] = status_to_raw(status, ctx.custom_statuses)
    if priority is not None:
        body["priority"] = priority_to_raw(priority)
    if tags is not None:
        body["tags"] = list(tags)
    if fields:
        unknown = sorted(set(fields) - set(ctx.custom_fields))
        if unknown:
            raise KeyError(f"custom fields not configured: {', '.join(unknown)}")
        body["custom_fields"] = {ctx.custom_fields[n]: v for n, v in fields.items()}
    return body


def comment_body(text: str, *, public: bool, key: str | None) -> dict[str, Any]:
    """The body of a reply (public) or a private note carrying ``key``."""
    body: dict[str, Any] = {"body": to_html(text, key)}
    if not public:
        body["private"] = True
    return body
