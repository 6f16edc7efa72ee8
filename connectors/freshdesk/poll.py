"""Polling Freshdesk's ticket list by ``updated_since``.

``GET /api/v2/tickets?updated_since=...&order_by=updated_at&order_type=asc`` lists the
tickets changed since a time, oldest change first, ``per_page`` (at most 100) a page; pages
are numbered and Freshdesk serves at most 300 of them. The cursor keeps the time (``since``,
whole seconds as Freshdesk writes them), the page and the ids already taken at that second.
After each page the cursor moves to the last ticket's ``updated_at`` and back to page 1, so a
walk never nears the 300th page and a ticket that moves to the end of the list while it is
walked is not skipped; only a full page whose tickets all share one second turns to the next
page (and past the 300th, to the next second, with a warning).
The ids taken at a second are kept only once that second is over by Freshdesk's clock (the
answer's ``Date``, else this host's less two seconds): a ticket changed again within the
second a poll took it keeps its ``updated_at``, and is listed again until then (the worker
drops what it already holds).

Freshdesk has no list of new conversations: a reply or a note changes its ticket's
``updated_at``, so the conversations of each changed ticket are read with it (one more call
per changed ticket) and those changed since the cursor's time are returned: a new one, or a
note an agent edited (its ``updated_at`` moves; the engine tells an edit by its body). A
deleted conversation is simply no longer listed: nothing here can tell it was there.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, StringConstraints

from syncd.connector import PollPage
from syncd.connector_kit import (
    CursorPoller,
    answer_time,
    comment_seen,
    second_over,
    ticket_seen,
)
from syncd.cursors import CursorFormat, CursorModel
from syncd.errors import NotFound
from syncd.model import Change
from syncd.paging import next_link

from .mapping import parse_time, stamp

if TYPE_CHECKING:
    from .connector import FreshdeskConnector

log = logging.getLogger(__name__)
TICKETS = "/api/v2/tickets"
INCLUDE = "requester,description"
MAX_PAGE = 300  # Freshdesk serves no page past the 300th
Stamp = Annotated[
    str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")
]


class FreshdeskCursor(CursorModel):
    """Where the poll stands: a second, a page of it, the ids taken at that second."""

    since: Stamp
    page: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 1
    seen: list[Annotated[int, Field(ge=1)]] = []


CURSOR = CursorFormat("freshdesk", FreshdeskCursor, version=1)


def cursor_since(moment: datetime) -> str:
    """A cursor whose polls return what changed at or after ``moment`` (its second)."""
    return CURSOR.dump(FreshdeskCursor(since=stamp(moment)))


def start_cursor(now: float | None = None) -> str:
    """A cursor from now."""
    return cursor_since(datetime.fromtimestamp(time.time() if now is None else now, UTC))


def _clock(date: str | None) -> datetime:
    """Now by Freshdesk's clock (an answer's ``Date``), else by this host's less 2 s of skew."""
    return answer_time(date) or datetime.now(UTC) - timedelta(seconds=2)


def _over(second: str, now: datetime) -> bool:
    """Whether ``second`` (a stamp) has ended by ``now``."""
    at = parse_time(second)
    return at is not None and second_over(at, now)


def _second(raw: dict[str, Any]) -> str:
    at = parse_time(raw.get("updated_at"))
    return stamp(at) if at is not None else ""


class Poller(CursorPoller[FreshdeskCursor]):
    """Reads one page of changed tickets per call."""

    connector: FreshdeskConnector
    cursor_format = CURSOR

    def start(self) -> str:
        """The tickets changed from now."""
        return start_cursor()

    def page(self, state: FreshdeskCursor) -> PollPage:
        """One page of changed tickets after ``state`` and the cursor after it."""
        conn = self.connector
        params = {
            "updated_since": state.since,
            "order_by": "updated_at",
            "order_type": "asc",
            "per_page": conn.settings.per_page,
            "page": state.page,
            "include": INCLUDE,
        }
        resp = conn.client.response("GET", TICKETS, params=params)
        raws = [t for t in resp.json() or () if isinstance(t, dict)]
        seen = set(state.seen)
        fresh = [t for t in raws if not (_second(t) == state.since and t["id"] in seen)]
        changes = self._changes(fresh, state.since)
        nxt = self._next(state, raws, _clock(resp.headers.get("date")))
        more = next_link(resp.headers.get("link")) is not None
        return PollPage(changes=changes, cursor=CURSOR.dump(nxt), more=more)

    def _changes(self, raws: list[dict[str, Any]], since: str) -> list[Change]:
        conn = self.connector
        conn.learn(raws)
        after = parse_time(since)
        changes: list[Change] = []
        for raw in raws:
            ticket = conn.ticket(raw)
            changes.append(ticket_seen(ticket))
            try:
                comments = conn.comments(ticket.ref)
            except NotFound:
                continue  # deleted since it was listed: the next list leaves it out
            for comment in comments:
                when = comment.updated_at or comment.created_at
                if when is not None and after is not None and when < after:
                    continue
                changes.append(comment_seen(ticket.ref, comment, at=when))
        return changes

    def _next(
        self, state: FreshdeskCursor, raws: list[dict[str, Any]], now: datetime
    ) -> FreshdeskCursor:
        if not raws:
            return state
        last = max(_second(t) for t in raws)
        over = _over(last, now)  # else a change later in that second would be skipped
        if last != state.since:
            at_last = {t["id"] for t in raws if _second(t) == last} if over else set()
            return FreshdeskCursor(since=last, seen=sorted(at_last))
        seen = sorted(set(state.seen) | {t["id"] for t in raws}) if over else []
        if len(raws) < self.connector.settings.per_page:
            # the rest of that second fits this page: ask it again, later tickets follow
            return FreshdeskCursor(since=state.since, page=state.page, seen=seen)
        if state.page < MAX_PAGE:
            return FreshdeskCursor(since=state.since, page=state.page + 1, seen=seen)
        at = parse_time(state.since)
        assert at is not None  # the cursor's pattern holds a time
        moved = stamp(at + timedelta(seconds=1))
        log.warning(
            "freshdesk %s: more than %d pages of tickets updated at %s; going on from %s",
            self.connector.name,
            MAX_PAGE,
            state.since,
            moved,
        )
        return FreshdeskCursor(since=moved)
