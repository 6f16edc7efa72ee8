"""REST2's JSON shapes for the emulator's objects, as RT 5 serialises them.

Shapes recorded from a real RT 5.0.3: a single record carries ``_hyperlinks`` and numbers as
strings (its own ``id`` as a number), nested users and queues are ``{id, type, _url}`` blocks
(``fields[Queue]=Name`` adds ``Name``), unset dates are ``1970-01-01T00:00:00Z``, collection
items carry ``id`` (a string), ``type``, ``_url`` and only the ``fields`` asked for, and
``/attachment/N`` sends its content base64-encoded while collections send plain text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from . import sql as sql
from .catalog import CatalogRecords
from .history import HistoryRecords
from .records import (
    INACTIVE,
    TICKET_LOOKUP,
    Ticket,
)
from .state import RTState

UNSET = "1970-01-01T00:00:00Z"
# RT's default lifecycle actions: from -> [(to, label, update)]
ACTIONS: dict[str, list[tuple[str, str, str]]] = {
    "new": [
        ("open", "Open It", "Respond"),
        ("resolved", "Resolve", "Comment"),
        ("rejected", "Reject", "Respond"),
    ],
    "open": [
        ("stalled", "Stall", "Comment"),
        ("resolved", "Resolve", "Comment"),
        ("rejected", "Reject", "Respond"),
    ],
    "stalled": [("open", "Open It", "Respond"), ("resolved", "Resolve", "Comment")],
    "resolved": [("open", "Re-open", "Comment")],
    "rejected": [("open", "Re-open", "Comment")],
    "deleted": [("open", "Undelete", "")],
}


class Render(HistoryRecords, CatalogRecords):
    """Serialises the state of one emulator; ``base`` gives the server's root URL."""

    def __init__(self, state: RTState, base: Callable[[], str]) -> None:
        self.state = state
        self.base = base

    def url(self, kind: str, key: int | str) -> str:
        """The REST2 URL of one record."""
        return f"{self.base()}/REST/2.0/{kind}/{key}"

    def block(self, kind: str, key: int | str, **extra: Any) -> dict[str, Any]:
        """A nested ``{id, type, _url}`` block."""
        return {"id": str(key), "type": kind, "_url": self.url(kind, key), **extra}

    def _cfs(self, values: dict[int, list[str]], lookup: str) -> list[dict[str, Any]]:
        return [
            {
                **self.block("customfield", cf.id),
                "name": cf.name,
                "values": list(values.get(cf.id, [])),
            }
            for cf in self.state.cfs.values()
            if cf.lookup == lookup
        ]

    def cf_links(self, lookup: str) -> list[dict[str, Any]]:
        """The ``customfield`` hyperlinks of a record: every field of its lookup type."""
        return [
            {
                "ref": "customfield",
                "type": "customfield",
                "name": cf.name,
                "_url": self.url("customfield", cf.id),
                "id": str(cf.id),
            }
            for cf in self.state.cfs.values()
            if cf.lookup == lookup
        ]

    # -- tickets -------------------------------------------------------------------------

    def ticket(
        self, t: Ticket, expand: dict[str, list[str]], viewer: str | None = None
    ) -> dict[str, Any]:
        """``GET /ticket/N`` as ``viewer`` sees it (its rights decide the correspond, comment
        and lifecycle links); ``expand`` holds the ``fields[X]=...`` parameters."""
        queue = self.state.queues[t.queue]

        def may(right: str) -> bool:
            return viewer is None or self.state.can(viewer, t.queue, right)

        queue_block = self.block("queue", queue.id)
        for name in expand.get("Queue", []):
            if name in ("Name", "Description", "Lifecycle"):
                queue_block[name] = getattr(queue, name.lower())
        links: list[dict[str, Any]] = [
            {"id": t.id, "_url": self.url("ticket", t.id), "type": "ticket", "ref": "self"},
            *self.cf_links(TICKET_LOOKUP),
            {"ref": "history", "_url": f"{self.url('ticket', t.id)}/history"},
            *(
                [{"ref": "correspond", "_url": f"{self.url('ticket', t.id)}/correspond"}]
                if may("ReplyToTicket")
                else []
            ),
            *(
                [{"ref": "comment", "_url": f"{self.url('ticket', t.id)}/comment"}]
                if may("CommentOnTicket")
                else []
            ),
            *(
                {
                    "ref": "lifecycle",
                    "from": t.status,
                    "to": to,
                    "label": label,
                    "update": update,
                    "_url": f"{self.url('ticket', t.id)}/"
                    + ("correspond" if update == "Respond" else "comment"),
                }
                for to, label, update in ACTIONS.get(t.status, [])
                if may("ModifyTicket")
            ),
        ]
        return {
            "_hyperlinks": links,
            "id": t.id,
            "Type": "ticket",
            "Subject": t.subject,
            "Status": t.status,
            "Priority": str(t.priority),
            "InitialPriority": "0",
            "FinalPriority": "0",
            "TimeWorked": "0",
            "TimeEstimated": "0",
            "TimeLeft": "0",
            "Queue": queue_block,
            "Owner": self.block("user", t.owner),
            "Creator": self.block("user", t.creator),
            "LastUpdatedBy": self.block("user", t.last_updated_by or t.creator),
            "Requestor": [self.block("user", r) for r in t.requestors],
            "Cc": [],
            "AdminCc": [],
            "EffectiveId": self.block("ticket", t.id),
            "Created": t.created,
            "LastUpdated": t.last_updated,
            "Resolved": t.resolved if t.status in INACTIVE else UNSET,
            "Started": UNSET,
            "Starts": UNSET,
            "Due": UNSET,
            "CustomFields": self._cfs(t.cfs, TICKET_LOOKUP),
        }

    def ticket_item(self, t: Ticket, fields: Sequence[str] | None) -> dict[str, Any]:
        """A ticket as a search result item."""
        item = self.block("ticket", t.id)
        if fields:
            full = self.ticket(t, {})
            item.update({f: full[f] for f in fields if f in full})
        return item

    def ticket_values(self, t: Ticket, field: str) -> list[Any]:
        """Values of a TicketSQL field for the emulator's query evaluator."""
        name = sql.cf_name(field)
        if name is not None:
            cf = self.state.cf(name, TICKET_LOOKUP)
            return list(t.cfs.get(cf.id, [])) if cf else []
        key = field.lower()
        queue = self.state.queues[t.queue]
        simple: dict[str, Any] = {
            "id": t.id,
            "subject": t.subject,
            "status": t.status,
            "priority": t.priority,
            "queue": queue.name,
            "owner": t.owner,
            "creator": t.creator,
            "created": t.created,
            "lastupdated": t.last_updated,
        }
        if key in ("requestor", "requestors", "requestor.emailaddress"):
            return list(t.requestors)
        return [simple[key]] if key in simple else []
