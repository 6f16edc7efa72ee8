"""Pure conversions of Zendesk's comments: the comments API, the ``Comment`` events of a
ticket's audits and of the ticket event export, and the idempotency key syncd leaves in an
audit's custom metadata.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from syncd.model import Comment, Ref

from .files import files_of
from .mapping import MARKER_KEY, MARKERS_KEY, Context, Names, int_or_none, parse_time


def comment_from_raw(
    raw: Mapping[str, Any],
    parent: Ref,
    ctx: Context,
    names: Names | None = None,
    *,
    marker: str | None = None,
    created_at: str | None = None,
) -> Comment:
    """A comment (comments API, audit ``Comment`` event or ticket-event child) -> Comment."""
    names = names or Names()
    author_id = int_or_none(raw.get("author_id"))
    when = parse_time(raw.get("created_at") or created_at)
    return Comment(
        ref=Ref.comment(ctx.connector, raw["id"]),
        parent=parent,
        author=_author(author_id, names),
        body=raw.get("body") or raw.get("plain_body") or "",
        public=bool(raw.get("public", False)),
        created_at=when,
        updated_at=when,
        marker=marker,
        by_syncd=author_id is not None and author_id == ctx.bot_id,
        attachments=_file_names(raw.get("attachments")),
        # no "attachments" at all: the source did not say (read again when needed)
        files=(
            files_of(raw["attachments"], by_syncd=author_id == ctx.bot_id)
            if "attachments" in raw
            else None
        ),
    )


def _file_names(raw: Any) -> tuple[str, ...]:
    """The file names of a comment's ``attachments`` (the API's objects)."""
    if not isinstance(raw, list):
        return ()
    return tuple(str(a["file_name"]) for a in raw if isinstance(a, dict) and a.get("file_name"))


def _author(author_id: int | None, names: Names) -> str:
    if author_id is None:
        return ""
    return names.users.get(author_id, str(author_id))


def marker_of(audit: Mapping[str, Any]) -> str | None:
    """The idempotency key syncd left in an audit's custom metadata, if any."""
    metadata = audit.get("metadata") or {}
    custom = metadata.get("custom") or {}
    if not isinstance(custom, Mapping):
        return None
    key = custom.get(MARKER_KEY)
    keys = custom.get(MARKERS_KEY)
    if not key and isinstance(keys, Mapping):
        key = keys.get(str(audit.get("ticket_id")))
    return str(key) if key else None


def comments_from_audits(
    audits: Iterable[Mapping[str, Any]], parent: Ref, ctx: Context, names: Names | None = None
) -> list[Comment]:
    """Every ``Comment`` event of a ticket's audits, oldest first, with markers."""
    out: list[Comment] = []
    for audit in audits:
        marker = marker_of(audit)
        for event in audit.get("events") or ():
            if event.get("type") not in ("Comment", "VoiceComment"):
                continue
            raw = dict(event)
            raw.setdefault("author_id", audit.get("author_id"))
            out.append(
                comment_from_raw(
                    raw, parent, ctx, names, marker=marker, created_at=audit.get("created_at")
                )
            )
    return out


def comments_from_ticket_events(
    events: Iterable[Mapping[str, Any]], ctx: Context, names: Names | None = None
) -> list[Comment]:
    """``Comment`` children of the ticket event export (``include=comment_events``)."""
    out: list[Comment] = []
    for event in events:
        parent = Ref.ticket(ctx.connector, event["ticket_id"])
        for child in event.get("child_events") or ():
            if child.get("event_type") != "Comment" or "id" not in child:
                continue
            raw = dict(child)
            raw.setdefault("author_id", event.get("updater_id"))
            out.append(
                comment_from_raw(raw, parent, ctx, names, created_at=event.get("created_at"))
            )
    return out
