"""Polling through Zendesk's incremental exports.

Two streams share one opaque cursor (JSON):

- tickets: the cursor-based ticket export (``start_time`` once, then ``cursor``), giving a
  snapshot of every ticket that changed;
- comments: the time-based ticket event export with the ``comment_events`` sideload. Its
  pages overlap at the boundary second, so the cursor also keeps the ids already taken at
  that second.

Zendesk allows 10 incremental export calls a minute; a 429 surfaces as ``RateLimited`` with
Zendesk's ``Retry-After`` and the cursor does not move.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from syncd.connector import PollPage
from syncd.connector_kit import CursorPoller, comment_seen, ticket_seen
from syncd.cursors import CursorFormat, CursorModel
from syncd.model import Change, ChangeKind, Comment, Ref

from .mapping import parse_time
from .mapping_comments import comments_from_ticket_events

if TYPE_CHECKING:
    from .connector import ZendeskConnector

TICKETS = "/api/v2/incremental/tickets/cursor.json"
EVENTS = "/api/v2/incremental/ticket_events.json"


Seconds = Annotated[int, Field(ge=0)]


class TicketsState(CursorModel):
    """The ticket export: its start time, then Zendesk's own cursor."""

    start: Seconds
    cursor: str | None = None


class EventsState(CursorModel):
    """The ticket event export: its start time and the ids already taken at that second."""

    start: Seconds
    seen: list[int] = []


class ZendeskCursor(CursorModel):
    """The poll cursor of both streams."""

    tickets: TicketsState
    events: EventsState


CURSOR = CursorFormat("zendesk", ZendeskCursor, version=1)


def start_cursor(now: float | None = None) -> str:
    """A cursor that starts both streams at ``now`` (whole seconds, rounded down)."""
    start = int(time.time() if now is None else now)
    return CURSOR.dump(
        ZendeskCursor(tickets=TicketsState(start=start), events=EventsState(start=start))
    )


def cursor_since(moment: datetime) -> str:
    """A cursor whose polls return what changed at or after ``moment``."""
    return start_cursor(moment.timestamp())


class Poller(CursorPoller[ZendeskCursor]):
    """Reads one page of each stream per call."""

    connector: ZendeskConnector
    cursor_format = CURSOR

    def start(self) -> str:
        """Both streams from now."""
        return start_cursor()

    def page(self, state: ZendeskCursor) -> PollPage:
        """One page of each stream after ``state`` and the cursor after it."""
        ticket_changes, tickets, tickets_more = self._tickets(state.tickets)
        comment_changes, events, events_more = self._events(state.events)
        new_cursor = CURSOR.dump(ZendeskCursor(tickets=tickets, events=events))
        return PollPage(
            changes=[*ticket_changes, *comment_changes],
            cursor=new_cursor,
            more=tickets_more or events_more,
        )

    def _tickets(self, st: TicketsState) -> tuple[list[Change], TicketsState, bool]:
        conn = self.connector
        params: dict[str, Any] = {"include": "users,groups,organizations"}
        params["per_page"] = conn.settings.page_size
        if st.cursor:
            params["cursor"] = st.cursor
        else:
            params["start_time"] = st.start
        body = conn.client.get(TICKETS, params)
        conn.remember(body)
        raw_tickets = body.get("tickets") or []
        conn.resolve_users([t.get("requester_id") for t in raw_tickets])
        changes: list[Change] = []
        for raw in raw_tickets:
            if raw.get("status") == "deleted":
                ref = Ref.ticket(conn.name, raw["id"])
                at = parse_time(raw.get("updated_at"))
                changes.append(Change(kind=ChangeKind.DELETED, ref=ref, at=at, source="poll"))
                continue
            changes.append(ticket_seen(conn.ticket(raw)))
        after = body.get("after_cursor")
        new_state = TicketsState(start=st.start, cursor=str(after) if after else st.cursor)
        return changes, new_state, not body.get("end_of_stream", True)

    def _events(self, st: EventsState) -> tuple[list[Change], EventsState, bool]:
        conn = self.connector
        start = st.start
        seen = set(st.seen)
        params = {"start_time": start, "include": "comment_events"}
        body = conn.client.get(EVENTS, params)
        events = body.get("ticket_events") or []
        fresh = [
            e for e in events if not (int(e.get("timestamp") or 0) == start and e["id"] in seen)
        ]
        conn.resolve_users(
            [
                c.get("author_id")
                for e in fresh
                for c in e.get("child_events") or ()
                if c.get("event_type") == "Comment"
            ]
        )
        changes = [
            comment_seen(
                comment.parent, comment, at=comment.created_at, actor=_author_id(fresh, comment)
            )
            for comment in comments_from_ticket_events(fresh, conn.ctx, conn.names())
        ]
        end = body.get("end_time")
        new_start = int(end) if end is not None and events else start
        # ids at the boundary second: the next page starts at that second again
        boundary = {int(e["id"]) for e in events if int(e.get("timestamp") or 0) == new_start}
        if new_start == start:
            boundary |= seen
        new_state = EventsState(start=new_start, seen=sorted(boundary))
        more = not body.get("end_of_stream", True) and bool(fresh)
        return changes, new_state, more


def _author_id(events: list[dict[str, Any]], comment: Comment) -> str | None:
    """The id of the user who wrote ``comment`` (the name may stand in its ``author``)."""
    for event in events:
        for child in event.get("child_events") or ():
            if child.get("event_type") == "Comment" and str(child.get("id")) == comment.ref.key:
                author = child.get("author_id") or event.get("updater_id")
                return str(author) if author else None
    return None
