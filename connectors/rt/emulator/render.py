"""REST2's JSON shapes for the emulator's objects, as RT 5 serialises them.

Shapes recorded from a real RT 5.0.3: a single record carries ``_hyperlinks`` and numbers as
strings (its own ``id`` as a number), nested users and queues are ``{id, type, _url}`` blocks
(``fields[Queue]=Name`` adds ``Name``), unset dates are ``1970-01-01T00:00:00Z``, collection
items carry ``id`` (a string), ``type``, ``_url`` and only the ``fields`` asked for, and
``/attachment/N`` sends its content base64-encoded while collections send plain text.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Any

from . import sql as sql
from .catalog import CatalogRecords
from .files import collection_content
from .records import (
    INACTIVE,
    TICKET_LOOKUP,
    TXN_LOOKUP,
    Attachment,
    Ticket,
    Txn,
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


class Render(CatalogRecords):
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
            *(
                {
                    "ref": "customfield",
                    "type": "customfield",
                    "name": cf.name,
                    "_url": self.url("customfield", cf.id),
                    "id": str(cf.id),
                }
                for cf in self.state.cfs.values()
                if cf.lookup == TICKET_LOOKUP
            ),
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

    # -- transactions --------------------------------------------------------------------

    def txn(self, x: Txn, fields: Sequence[str] | None) -> dict[str, Any]:
        """``GET /transaction/N`` when ``fields`` is None, else a collection item."""
        full: dict[str, Any] = {
            "Type": x.type,
            "Creator": self.block("user", x.creator),
            "Created": x.created,
            "Object": self.block("ticket", x.ticket),
            "ObjectType": "RT::Ticket",
            "ObjectId": str(x.ticket),
            "Field": x.field,
            "OldValue": x.old,
            "NewValue": x.new,
            "Data": x.data,
            "TimeTaken": "0",
            "CustomFields": self._cfs(x.cfs, TXN_LOOKUP),
        }
        if fields is None:
            links = [
                {
                    "type": "transaction",
                    "ref": "self",
                    "_url": self.url("transaction", x.id),
                    "id": x.id,
                },
                *(
                    {
                        "ref": "customfield",
                        "type": "customfield",
                        "name": cf.name,
                        "_url": self.url("customfield", cf.id),
                        "id": str(cf.id),
                    }
                    for cf in self.state.cfs.values()
                    if cf.lookup == TXN_LOOKUP
                ),
                *(
                    {"ref": "attachment", "_url": self.url("attachment", a.id)}
                    for a in self.state.attachments.values()
                    if a.txn == x.id
                ),
            ]
            keep = ("Type", "Creator", "Created", "Object", "TimeTaken", "CustomFields", "Data")
            return {"_hyperlinks": links, "id": x.id, **{k: full[k] for k in keep}}
        item = self.block("transaction", x.id)
        item.update({f: full[f] for f in fields if f in full})
        return item

    def txn_values(self, x: Txn, field: str) -> list[Any]:
        """Values of a TransactionSQL field for the emulator's query evaluator."""
        ticket = self.state.tickets.get(x.ticket)
        key = field.lower()
        simple: dict[str, Any] = {
            "id": x.id,
            "type": x.type,
            "objecttype": "RT::Ticket",
            "objectid": x.ticket,
            "creator": x.creator,
            "created": x.created,
            "field": x.field,
        }
        if key == "ticketqueue" and ticket is not None:
            queue = self.state.queues[ticket.queue]
            return [queue.name, queue.id]
        if key == "ticketstatus" and ticket is not None:
            return [ticket.status]
        return [simple[key]] if key in simple else []

    # -- attachments, users, queues, custom fields ---------------------------------------

    def attachment(self, a: Attachment, fields: Sequence[str] | None) -> dict[str, Any]:
        """An attachment as a collection item: content in plain text."""
        full = {
            "Content": a.content if a.data is None else collection_content(a.data),
            "ContentType": a.content_type,
            "Subject": a.subject,
            "Filename": a.filename,
            "TransactionId": str(a.txn),
            "Creator": self.block("user", a.creator),
            "Created": a.created,
            "Parent": "0",
        }
        item = self.block("attachment", a.id)
        item.update({f: full[f] for f in fields or () if f in full})
        return item

    def attachment_full(self, a: Attachment) -> dict[str, Any]:
        """``GET /attachment/N``: content base64-encoded (a file's name too, as RT gives it)."""
        named = {"Filename": a.filename} if a.filename else {}
        return named | {
            "_hyperlinks": [
                {
                    "id": a.id,
                    "ref": "self",
                    "type": "attachment",
                    "_url": self.url("attachment", a.id),
                }
            ],
            "id": a.id,
            "Subject": a.subject,
            "ContentType": a.content_type,
            # a single attachment's content comes base64-encoded, as in RT
            "Content": base64.encodebytes(
                a.content.encode() if a.data is None else a.data
            ).decode(),
            "Headers": (
                f'Subject: {a.subject}\nContent-Type: {a.content_type}; charset="utf-8"\n'
                f"MIME-Version: 1.0\nX-RT-Interface: REST\nMessage-ID: <{self._message_id(a)}>\n"
            ),
            "MessageId": self._message_id(a),
            "Parent": "0",
            "TransactionId": self.block("transaction", a.txn),
            "Creator": self.block("user", a.creator),
            "Created": a.created,
        }

    def _message_id(self, a: Attachment) -> str:
        return f"rt-5.0.3-emulator-{a.txn}-{a.id}@syncd.test"
