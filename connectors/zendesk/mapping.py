"""Pure conversions between Zendesk's JSON and syncd's canonical values.

Nothing here does I/O: names of users, groups and organizations come in as plain mappings
(``Names``) that the connector fills from sideloads and its caches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from syncd.model import Priority, Ref, Ticket, TicketStatus

MARKER_KEY = "syncd_key"
# a batch update (update_many) sends one body to every ticket: each ticket's key by its id
MARKERS_KEY = "syncd_keys"

_STATUS_IN = {
    "new": TicketStatus.NEW,
    "open": TicketStatus.OPEN,
    "pending": TicketStatus.PENDING,
    "hold": TicketStatus.ON_HOLD,
    "solved": TicketStatus.SOLVED,
    "closed": TicketStatus.CLOSED,
}
_STATUS_OUT = {v: k for k, v in _STATUS_IN.items()}


@dataclass(frozen=True)
class Names:
    """Display names known for Zendesk ids; an unknown id is shown as the id itself."""

    users: Mapping[int, str] = field(default_factory=dict)
    groups: Mapping[int, str] = field(default_factory=dict)
    organizations: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """What a mapping needs to know about the connector instance."""

    connector: str
    ticket_url_template: str = "{base_url}/agent/tickets/{id}"
    base_url: str = ""
    # custom field name -> field id
    custom_fields: Mapping[str, int] = field(default_factory=dict)
    bot_id: int | None = None

    def ticket_url(self, ticket_id: Any) -> str:
        return self.ticket_url_template.format(base_url=self.base_url.rstrip("/"), id=ticket_id)


def status_from_raw(raw: str | None) -> TicketStatus:
    """Zendesk status (any case, as webhooks send upper case) -> canonical status."""
    if not raw:
        return TicketStatus.NEW
    try:
        return _STATUS_IN[raw.lower()]
    except KeyError:
        raise ValueError(f"unknown Zendesk status {raw!r}") from None


def status_to_raw(status: TicketStatus) -> str:
    """Canonical status -> the value Zendesk's API takes."""
    return _STATUS_OUT[status]


def priority_from_raw(raw: str | None) -> Priority | None:
    """Zendesk priority (any case, may be null) -> canonical priority."""
    if not raw:
        return None
    return Priority(raw.lower())


def priority_to_raw(priority: Priority) -> str:
    """Canonical priority -> Zendesk priority; the names are the same."""
    return priority.value


def parse_time(raw: str | None) -> datetime | None:
    """An ISO 8601 timestamp as Zendesk writes it ("2011-05-05T10:38:52Z")."""
    if not raw:
        return None
    text = raw.strip().replace("Z", "+00:00")
    # webhook "time" carries nanoseconds; Python takes at most microseconds
    if "." in text:
        head, _, rest = text.partition(".")
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits) :]
        text = f"{head}.{digits[:6]}{zone}"
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def int_or_none(raw: Any) -> int | None:
    """A Zendesk id as a number; None for none, ``0`` or something unreadable."""
    if raw is None or raw == "" or raw == "0":
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _named(raw_id: Any, names: Mapping[int, str]) -> str | None:
    ident = int_or_none(raw_id)
    if ident is None:
        return None
    return names.get(ident, str(ident))


def custom_fields_by_name(
    raw: Iterable[Mapping[str, Any]] | None, field_ids: Mapping[str, int]
) -> dict[str, str]:
    """Zendesk's ``[{id, value}]`` -> ``{name: value}`` for the configured fields only."""
    by_id = {fid: name for name, fid in field_ids.items()}
    out: dict[str, str] = {}
    for item in raw or ():
        name = by_id.get(int_or_none(item.get("id")) or -1)
        value = item.get("value")
        if name is None or value is None or value == "":
            continue
        out[name] = _field_text(value)
    return out


def _field_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def ticket_from_raw(raw: Mapping[str, Any], ctx: Context, names: Names | None = None) -> Ticket:
    """A ticket object of the REST API (show, update, incremental export) -> Ticket."""
    fields = custom_fields_by_name(raw.get("custom_fields"), ctx.custom_fields)
    return _ticket(raw, raw["id"], ctx, names or Names(), fields)


def ticket_from_detail(
    detail: Mapping[str, Any], ctx: Context, names: Names | None = None
) -> Ticket:
    """The ``detail`` object of an event-subscribed ticket webhook -> Ticket.

    Webhook details carry ids as strings, status and priority in upper case, and no custom
    fields, so ``fields`` is empty here.
    """
    return _ticket(detail, int(detail["id"]), ctx, names or Names(), {})


def _ticket(
    raw: Mapping[str, Any], ticket_id: Any, ctx: Context, names: Names, fields: dict[str, str]
) -> Ticket:
    """The ticket both shapes describe: the same keys, read the same way."""
    return Ticket(
        ref=Ref.ticket(ctx.connector, ticket_id),
        subject=raw.get("subject") or "",
        description=raw.get("description") or "",
        status=status_from_raw(raw.get("status")),
        priority=priority_from_raw(raw.get("priority")),
        tags=frozenset(raw.get("tags") or ()),
        group=_named(raw.get("group_id"), names.groups),
        organization=_named(raw.get("organization_id"), names.organizations),
        requester=_requester(raw.get("requester_id"), names),
        fields=fields,
        url=ctx.ticket_url(ticket_id),
        created_at=parse_time(raw.get("created_at")),
        updated_at=parse_time(raw.get("updated_at")),
    )


def _requester(raw_id: Any, names: Names) -> str | None:
    # the requester is shown by name only: an unknown name stays unknown rather than
    # leaking an id or an e-mail address into the developer tracker
    ident = int_or_none(raw_id)
    return names.users.get(ident) if ident is not None else None


def names_from_sideloads(body: Mapping[str, Any]) -> Names:
    """Names from ``include=users,groups,organizations`` sideloads."""

    def pick(key: str) -> dict[int, str]:
        return {int(o["id"]): str(o.get("name") or o["id"]) for o in body.get(key) or ()}

    return Names(users=pick("users"), groups=pick("groups"), organizations=pick("organizations"))


def update_body(
    *,
    status: TicketStatus | None = None,
    priority: Priority | None = None,
    add_tags: Sequence[str] = (),
    remove_tags: Sequence[str] = (),
    fields: Mapping[str, str] | None = None,
    field_ids: Mapping[str, int] | None = None,
    comment: str | None = None,
    public: bool = False,
    key: str | None = None,
    uploads: Sequence[str] = (),
) -> dict[str, Any]:
    """The body of one ``PUT /api/v2/tickets/{id}.json`` carrying every change at once
    (``uploads``: the tokens of files the comment attaches)."""
    ticket: dict[str, Any] = {}
    if status is not None:
        ticket["status"] = status_to_raw(status)
    if priority is not None:
        ticket["priority"] = priority_to_raw(priority)
    # additional_tags/remove_tags change only the named tags, so a tag an agent adds at the
    # same moment is not overwritten as it would be by sending the whole "tags" list
    if add_tags:
        ticket["additional_tags"] = list(add_tags)
    if remove_tags:
        ticket["remove_tags"] = list(remove_tags)
    if fields:
        ids = field_ids or {}
        unknown = sorted(set(fields) - set(ids))
        if unknown:
            raise KeyError(f"custom fields not configured: {', '.join(unknown)}")
        ticket["custom_fields"] = [{"id": ids[n], "value": v} for n, v in fields.items()]
    if comment is not None:
        ticket["comment"] = {"body": comment, "public": public}
        if uploads:
            ticket["comment"]["uploads"] = list(uploads)
    if key:
        # Zendesk keeps write-only ticket metadata in the audit's metadata.custom
        ticket["metadata"] = {MARKER_KEY: key}
    return {"ticket": ticket}


def batch_body(
    keys: Mapping[int, str],
    *,
    status: TicketStatus | None = None,
    comment: str | None = None,
    public: bool = False,
) -> dict[str, Any]:
    """The one body of ``PUT /api/v2/tickets/update_many.json?ids=...``: the same change for
    every ticket, each ticket's idempotency key found in the metadata by its id."""
    body = update_body(status=status, comment=comment, public=public)
    if comment is not None:
        body["ticket"]["metadata"] = {MARKERS_KEY: {str(t): k for t, k in keys.items()}}
    return body
