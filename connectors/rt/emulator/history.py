"""REST2's shapes of the emulator's transactions and attachments, as RT 5.0.3 serialises
them (a single attachment's content base64-encoded, a collection item's in plain text).
Mixed into ``Render``."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Any

from .files import collection_content
from .records import TXN_LOOKUP, Attachment, Txn
from .state import RTState


class HistoryRecords:
    """The records of a ticket's history: its transactions and their attachments."""

    state: RTState
    url: Callable[[str, int | str], str]
    block: Callable[..., dict[str, Any]]
    cf_links: Callable[[str], list[dict[str, Any]]]
    _cfs: Callable[[dict[int, list[str]], str], list[dict[str, Any]]]

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
                *self.cf_links(TXN_LOOKUP),
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
