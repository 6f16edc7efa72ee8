"""The poll of the Request Tracker connector: ticket transactions after an exact cursor.

``GET /transactions?query=`` on ``id > N`` for RT::Ticket objects, in the queues syncd reads,
without e-mail records. Each touched ticket is read again (an UPSERT) and its first message,
replies and notes become COMMENT changes.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from syncd import cursors
from syncd.connector import PollPage
from syncd.connector_kit import comment_seen, ticket_seen
from syncd.errors import Forbidden, NotFound
from syncd.model import Change, ChangeKind, Ref

from . import mapping

if TYPE_CHECKING:
    from .connector import RTConnector

TXN_FIELDS = "Type,ObjectId,ObjectType,Created,Creator,CustomFields"
# how long the list of queues syncd may see is trusted when no queues are configured
_QUEUES_TTL = 600.0


class TransactionPoller:
    """Reads changes for one connector; the cursor is the newest transaction id seen."""

    def __init__(self, connector: RTConnector) -> None:
        self.connector = connector
        self.client = connector.client
        self.settings = connector.settings
        self._seen_queues: tuple[float, list[str]] | None = None

    def poll(self, cursor: str | None) -> PollPage:
        """Ticket transactions after the cursor (a transaction id): exact, no overlap."""
        base = {"orderby": "id", "fields": TXN_FIELDS}
        if cursor is None:
            return PollPage(changes=(), cursor=str(self.last_transaction()))
        after = cursors.counter(self.connector.name, cursor, what="transaction id")
        query = mapping.transactions_query(after, self.queues())
        per_page = self.settings.page_size
        data = self.client.get(
            "/transactions", **base, query=query, order="ASC", per_page=per_page, page=1
        )
        items = [i for i in (data or {}).get("items") or [] if isinstance(i, dict)]
        if not items:
            return PollPage(changes=(), cursor=str(after))
        changes: list[Change] = []
        by_ticket: dict[int, list[dict[str, Any]]] = {}
        for txn in items:
            by_ticket.setdefault(mapping.as_int(txn.get("ObjectId")), []).append(txn)
        for tid, txns in by_ticket.items():
            changes.extend(self._ticket_changes(tid, txns))
        newest = max(mapping.as_int(t.get("id")) for t in items)
        more = bool(data.get("next_page")) or len(items) >= per_page
        return PollPage(changes=changes, cursor=str(max(newest, after)), more=more)

    def queues(self) -> list[str]:
        """The queues the poll reads: the configured ones, else every queue syncd can see.

        Limiting the search to visible queues matters: RT drops rows syncd may not see after
        the SQL limit, so a page made only of hidden rows would come back empty and stall the
        cursor.
        """
        if self.settings.queues:
            return list(self.settings.queues)
        now = time.monotonic()
        if self._seen_queues is None or now - self._seen_queues[0] > _QUEUES_TTL:
            names = [
                str(q.get("Name"))
                for q in self.client.collection("/queues/all", {"fields": "Name", "per_page": 100})
                if q.get("Name")
            ]
            self._seen_queues = (now, names)
        return self._seen_queues[1]

    def last_transaction(self, before: datetime | None = None) -> int:
        """The newest ticket transaction syncd can see (created before ``before``, when
        given): where a poll starts; 0 when there is none."""
        query = mapping.transactions_query(0, self.queues(), before)
        # rows syncd may not see are dropped after the SQL limit, so a page can come back
        # empty while older visible rows exist: look a few pages further before giving up
        for page in range(1, 11):
            data = self.client.get(
                "/transactions", query=query, orderby="id", order="DESC", per_page=20, page=page
            )
            items = (data or {}).get("items") or []
            if items:
                return max(mapping.as_int(i.get("id")) for i in items)
            if data and data.get("total") is not None:
                break
        return 0

    def _ticket_changes(self, tid: int, txns: list[dict[str, Any]]) -> list[Change]:
        ref = Ref.ticket(self.connector.name, tid)
        try:
            ticket = self.connector.get_ticket(ref)
        except NotFound:
            return [Change(kind=ChangeKind.DELETED, ref=ref, source="poll")]
        except Forbidden:
            return []  # moved to a queue syncd may not see
        out = [ticket_seen(ticket)]
        for txn in txns:
            if txn.get("Type") not in mapping.MESSAGE_TYPES:
                continue
            comment = self.connector.transaction_comment(tid, txn)
            out.append(comment_seen(ref, comment, at=comment.created_at, actor=comment.author))
        return out
