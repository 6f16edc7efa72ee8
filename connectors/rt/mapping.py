"""Pure conversions between Request Tracker's REST2 records and syncd's canonical values.

Nothing here performs I/O: the client fetches, these functions only reshape. REST2 quirks
handled here: nested ids and numbers come as strings, an unset date is
``1970-01-01T00:00:00Z``, and a write answers 200 with a list of messages in which a refused
value is only a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from syncd.model import Comment, Priority, Ref, Ticket, TicketStatus

from .settings import PriorityBand

# transaction types that carry a message: the ticket's first message, replies, notes
MESSAGE_TYPES = frozenset({"Create", "Correspond", "Comment"})
PUBLIC_TYPES = frozenset({"Create", "Correspond"})

_UNSET = "1970-01-01T00:00:00Z"

# success sentences echo the values they set, and values may contain any word
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_SUCCESS = re.compile(r"( added| changed to .*| is no longer a value for custom field .*)$")

# sentences RT answers with when it refused part of a write (the HTTP status stays 2xx)
_REFUSED = re.compile(
    r"isn't a valid|is not a valid|invalid|permission denied|no permission|unable to|"
    r"couldn't|could not|can't|cannot|not allowed|failed|illegal|must be|doesn't exist|"
    r"does not exist|not found|no such",
    re.IGNORECASE,
)


def parse_time(value: Any) -> datetime | None:
    """An RT timestamp as an aware datetime; RT's "unset" epoch date is ``None``."""
    if not value or not isinstance(value, str) or value == _UNSET:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed if parsed.year > 1970 else None


def as_int(value: Any, default: int = 0) -> int:
    """RT sends numbers as strings; accept both."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def nested_id(value: Any) -> str | None:
    """The ``id`` of a nested ``{"id": ..., "type": ..., "_url": ...}`` block."""
    if isinstance(value, Mapping):
        raw = value.get("id")
        return None if raw is None else str(raw)
    return None if value in (None, "") else str(value)


def refused(messages: Any) -> list[str]:
    """The sentences of a REST2 write answer that report a refused value."""
    if not isinstance(messages, list):
        return []
    out: list[str] = []
    for item in messages:
        # bulk answers nest lists; plain answers are strings
        texts = item if isinstance(item, list) else [item]
        for text in texts:
            if not isinstance(text, str):
                continue
            bare = _QUOTED.sub("''", text)
            if _REFUSED.search(bare) and not _SUCCESS.search(bare):
                out.append(text)
    return out


def status_from_rt(status: str, statuses: Mapping[str, TicketStatus]) -> TicketStatus:
    """RT status -> canonical; an unknown status of a custom lifecycle counts as open."""
    return statuses.get(status.lower(), TicketStatus.OPEN)


def status_to_rt(status: TicketStatus, writes: Mapping[TicketStatus, str]) -> str:
    """Canonical status -> the RT status syncd writes."""
    return writes[status]


def priority_from_rt(value: Any, bands: Mapping[Priority, PriorityBand]) -> Priority | None:
    """RT's numeric priority -> canonical, or ``None`` when no band holds it."""
    number = as_int(value, default=-1)
    for priority, band in bands.items():
        if band.min <= number <= band.max:
            return priority
    return None


def priority_to_rt(priority: Priority, bands: Mapping[Priority, PriorityBand]) -> int:
    """Canonical priority -> the number syncd writes."""
    return bands[priority].write


def custom_fields(raw: Any) -> dict[str, list[str]]:
    """REST2's ``CustomFields`` list -> ``{name: [values]}``."""
    out: dict[str, list[str]] = {}
    if not isinstance(raw, list):
        return out
    for cf in raw:
        if isinstance(cf, Mapping) and cf.get("name"):
            values = cf.get("values") or []
            out[str(cf["name"])] = [str(v) for v in values if v is not None]
    return out


def display_name(user: Mapping[str, Any]) -> str:
    """A user's RealName, else a Name that is not an e-mail, else the address's local part."""
    real = str(user.get("RealName") or "").strip()
    if real:
        return real
    name = str(user.get("Name") or user.get("id") or "").strip()
    return name.split("@", 1)[0] if "@" in name else name


def ticket_url(base_url: str, ticket_id: int | str) -> str:
    """The ticket's page in RT's web UI."""
    return f"{base_url}/Ticket/Display.html?id={ticket_id}"


def ticket_from_rt(
    raw: Mapping[str, Any],
    *,
    connector: str,
    base_url: str,
    statuses: Mapping[str, TicketStatus],
    priorities: Mapping[Priority, PriorityBand],
    requester: str | None = None,
    description: str = "",
) -> Ticket:
    """A REST2 ticket (``GET /ticket/N?fields[Queue]=Name``) -> canonical ``Ticket``."""
    ticket_id = as_int(raw.get("id"))
    queue = raw.get("Queue")
    group = None
    if isinstance(queue, Mapping):
        group = str(queue.get("Name") or queue.get("id") or "") or None
    values = custom_fields(raw.get("CustomFields"))
    fields = {name: ", ".join(vals) for name, vals in values.items()}
    return Ticket(
        ref=Ref.ticket(connector, ticket_id),
        subject=str(raw.get("Subject") or ""),
        description=description,
        status=status_from_rt(str(raw.get("Status") or "new"), statuses),
        priority=priority_from_rt(raw.get("Priority"), priorities),
        group=group,
        requester=requester,
        fields={k: v for k, v in fields.items() if v},
        url=ticket_url(base_url, ticket_id),
        created_at=parse_time(raw.get("Created")),
        updated_at=parse_time(raw.get("LastUpdated")),
    )


def message_text(attachments: Iterable[Mapping[str, Any]]) -> str:
    """The readable text of a transaction from its attachments (``fields=Content,...``).

    ``/transaction/N/attachments?fields=Content`` returns content as plain text; the first
    non-empty text/plain part wins, text/html is the fallback with its tags removed.
    """
    html = ""
    for att in attachments:
        ctype = str(att.get("ContentType") or "").split(";")[0].strip().lower()
        content = att.get("Content")
        if not isinstance(content, str) or not content.strip() or att.get("Filename"):
            continue
        if ctype == "text/plain":
            return content.rstrip("\n")
        if ctype == "text/html" and not html:
            html = re.sub(r"<[^>]+>", "", content).strip()
    return html


def comment_from_rt(
    txn: Mapping[str, Any],
    body: str,
    *,
    connector: str,
    ticket_id: int | str,
    key_field: str,
    me: str | None,
) -> Comment:
    """A Create/Correspond/Comment transaction -> canonical ``Comment``."""
    author = nested_id(txn.get("Creator")) or ""
    keys = custom_fields(txn.get("CustomFields")).get(key_field) or []
    created = parse_time(txn.get("Created"))
    return Comment(
        ref=Ref.comment(connector, as_int(txn.get("id"))),
        parent=Ref.ticket(connector, ticket_id),
        author=author,
        body=body,
        public=str(txn.get("Type")) in PUBLIC_TYPES,
        created_at=created,
        updated_at=created,
        marker=keys[0] if keys else None,
        by_syncd=bool(me) and author == me,
    )


def ticket_sql_quote(value: str) -> str:
    """A value quoted for TicketSQL / TransactionSQL."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def transactions_query(after: int, queues: Iterable[str], before: datetime | None = None) -> str:
    """TransactionSQL of the poll: ticket transactions after ``after`` in ``queues`` (created
    before ``before``, when given), no mail records."""
    query = f"ObjectType = 'RT::Ticket' AND Type != 'EmailRecord' AND id > {after}"
    if before is not None:
        # whole seconds, rounded down, with the zone spelled out: RT reads a date without one
        # in its own time zone
        query += f" AND Created < '{before.astimezone(UTC):%Y-%m-%d %H:%M:%S} +0000'"
    names = [ticket_sql_quote(q) for q in queues]
    if not names:
        return query + " AND id < 0"  # no queue to read: match nothing
    return query + " AND (" + " OR ".join(f"TicketQueue = {n}" for n in names) + ")"


def id_from_location(location: str | None) -> int | None:
    """``/REST/2.0/ticket/12`` or ``/REST/2.0/transaction/34`` -> the trailing number."""
    if not location:
        return None
    tail = location.rstrip("/").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None
