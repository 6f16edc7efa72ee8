"""Incremental polling of the service projects: JQL ``updated >=`` with an overlap window,
the Jira connector's search and cursor rules (:class:`connectors.jira.poll.JqlPoller`).

A found request yields its ticket snapshot when its ``updated`` moved, and its new comments.
Search results carry comments without their properties, and on Data Center without their
visibility, so a request with a comment the cursor has not returned yet has its comments read
once more through the connector (visibility and syncd's key included); a request without one
costs nothing more than its search row.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from connectors.jira.poll import JiraCursor, JqlPoller, NewComment, Raw, Seen
from connectors.jsm import mapping
from syncd.connector_kit import comment_seen
from syncd.cursors import CursorFormat
from syncd.model import Change, ChangeKind, Ref

if TYPE_CHECKING:
    from connectors.jsm.connector import JsmConnector

FIELDS = [*mapping.TICKET_FIELDS, "comment"]


class JsmCursor(JiraCursor):
    """The Jira poll cursor, plus the service projects it reads (so a Jira tracker's cursor
    is never taken for one)."""

    projects: list[str] = Field(min_length=1)


CURSOR = CursorFormat("jsm", JsmCursor, version=1)


def cursor_since(moment: datetime, projects: list[str]) -> str:
    """A cursor whose polls return what changed at or after ``moment``."""
    at = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return CURSOR.dump(JsmCursor(hw=at, projects=list(projects)))


class RequestPoller(JqlPoller):
    """The poll of one JSM connector."""

    FORMAT: ClassVar[CursorFormat[Any]] = CURSOR
    FIELDS: ClassVar[list[str]] = FIELDS

    def __init__(self, connector: JsmConnector) -> None:
        super().__init__(connector)
        self.desk = connector

    def state(self, **values: Any) -> JsmCursor:
        """The cursor state, naming the projects polled."""
        return JsmCursor(projects=list(self.desk.projects), **values)

    def snapshot(self, raw: Raw, before: list[str] | None) -> list[Change]:
        """The request's ticket (its partial fields: those only the service desk API has)."""
        ticket = self.desk.ticket_of(raw)
        partial = mapping.NOT_IN_ISSUE
        return [Change(kind=ChangeKind.UPSERT, ref=ticket.ref, ticket=ticket, partial=partial)]

    def comment_changes(self, raw: Raw, fresh: list[NewComment], seen: Seen) -> list[Change]:
        """The request's comments read again through the connector (visibility and syncd's
        key included), those new to the cursor."""
        stamps = {str(c["id"]): stamp for c, stamp, _ in fresh}
        parent = Ref.ticket(self.conn.name, str(raw["key"]))
        out: list[Change] = []
        for comment in self.desk.comments(parent):
            cid = comment.ref.key.rsplit("/", 1)[-1]
            if cid in stamps:
                at = comment.updated_at or comment.created_at
                out.append(comment_seen(parent, comment, at=at))
                seen[f"c:{cid}"] = [stamps[cid]]
        return out
