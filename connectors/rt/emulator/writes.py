"""The writes of the Request Tracker emulator: creating and changing tickets, replies and
notes, with the transactions and the message lists RT 5 answers them with (a refused value
is a sentence in a 200 answer; a correspondence opens a new or inactive ticket).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from .files import attachments_of
from .records import (
    INACTIVE,
    LIFECYCLE,
    TICKET_LOOKUP,
    TXN_LOOKUP,
    Attachment,
    RTError,
    Ticket,
    Txn,
    now,
    priority_label,
)

if TYPE_CHECKING:
    from .records import CustomField, Queue, User


class TicketWrites:
    """The ticket, reply and note writes of :class:`~.state.RTState`."""

    if TYPE_CHECKING:
        lock: threading.RLock
        tickets: dict[int, Ticket]
        txns: dict[int, Txn]
        attachments: dict[int, Attachment]

        def next_id(self, kind: str) -> int: ...

        def add_user(
            self, name: str, real_name: str = "", *, email: str = "", privileged: bool = False
        ) -> User: ...

        def user(self, key: str | int) -> User | None: ...

        def queue(self, key: str | int) -> Queue | None: ...

        def cf(self, key: str | int, lookup: str) -> CustomField | None: ...

        def can(self, user: str, queue_id: int, right: str = "ShowTicket") -> bool: ...

        def etag(self, ticket: Ticket) -> str: ...

    def _txn(self, ticket: Ticket, type_: str, creator: str, **kw: Any) -> Txn:
        txn = Txn(self.next_id("txn"), ticket.id, type_, creator, **kw)
        self.txns[txn.id] = txn
        if type_ != "EmailRecord":
            ticket.last_updated = txn.created
            ticket.last_updated_by = creator
        return txn

    def _attach(self, txn: Txn, subject: str, content: str, ctype: str) -> None:
        att = Attachment(self.next_id("att"), txn.id, subject, ctype, content, txn.creator)
        self.attachments[att.id] = att

    def create_ticket(self, user: str, data: dict[str, Any]) -> tuple[Ticket, list[Txn]]:
        """POST /ticket."""
        with self.lock:
            name = str(data.get("Queue") or "General")
            queue = self.queue(name)
            if queue is None or not self.can(user, queue.id, "CreateTicket"):
                raise RTError(403, f"No permission to create tickets in the queue '{name}'")
            status = str(data.get("Status") or "new")
            if status not in LIFECYCLE:
                raise RTError(400, f"Status '{status}' isn't a valid status for this ticket.")
            ticket = Ticket(
                self.next_id("ticket"),
                queue.id,
                str(data.get("Subject") or ""),
                user,
                status=status,
                priority=_int(data.get("Priority"), 0),
                last_updated_by=user,
            )
            for who in _list(data.get("Requestor")):
                self.add_user(who, email=who if "@" in who else "")
                ticket.requestors.append(self.user(who).name)  # type: ignore[union-attr]
            self.tickets[ticket.id] = ticket
            self._set_cfs(ticket, user, data.get("CustomFields") or {}, record=False)
            create = self._txn(ticket, "Create", user)
            if data.get("Content"):
                ctype = str(data.get("ContentType") or "text/plain")
                self._attach(create, ticket.subject, str(data["Content"]), ctype)
            self._txn(ticket, "EmailRecord", "RT_System")  # the autoreply to the requestor
            return ticket, [create]

    def update_ticket(
        self, user: str, tid: int, data: dict[str, Any], if_match: str | None
    ) -> tuple[list[str], list[Txn]]:
        """PUT /ticket/N: the message list RT answers with, and the transactions made."""
        with self.lock:
            ticket = self.tickets.get(tid)
            if ticket is None:
                raise RTError(404, "Resource does not exist; use POST to create")
            if not self.can(user, ticket.queue) or not self.can(user, ticket.queue, "ModifyTicket"):
                raise RTError(403, "Forbidden")
            if if_match is not None and if_match != self.etag(ticket):
                raise RTError(412, "Precondition Failed")
            messages: list[str] = []
            made: list[Txn] = []
            if "Priority" in data:
                new = _int(data["Priority"], ticket.priority)
                old, ticket.priority = ticket.priority, new
                made.append(
                    self._txn(ticket, "Set", user, field="Priority", old=str(old), new=str(new))
                )
                messages.append(
                    f"Ticket {tid}: Priority changed from '{priority_label(old)}' "
                    f"to '{priority_label(new)}'"
                )
            if "Status" in data:
                msg, txns = self._set_status(ticket, user, str(data["Status"]))
                messages += [f"Ticket {tid}: {msg}"] if msg else []
                made += txns
            if "Subject" in data and str(data["Subject"]) != ticket.subject:
                old_subject, ticket.subject = ticket.subject, str(data["Subject"])
                made.append(
                    self._txn(
                        ticket, "Set", user, field="Subject", old=old_subject, new=ticket.subject
                    )
                )
                messages.append(
                    f"Ticket {tid}: Subject changed from '{old_subject}' to '{ticket.subject}'"
                )
            msgs, txns = self._set_cfs(ticket, user, data.get("CustomFields") or {})
            return messages + msgs, made + txns

    def add_message(
        self, user: str, tid: int, kind: str, data: dict[str, Any]
    ) -> tuple[Txn, list[str], list[Txn]]:
        """POST /ticket/N/correspond or /comment."""
        with self.lock:
            ticket = self.tickets.get(tid)
            type_ = "Correspond" if kind == "correspond" else "Comment"
            right = "ReplyToTicket" if type_ == "Correspond" else "CommentOnTicket"
            if ticket is None or not self.can(user, ticket.queue, right):
                raise RTError(400, "Permission Denied")
            files = attachments_of(data)
            txn = self._txn(ticket, type_, user, data="No Subject")
            made = [txn]
            self._attach(
                txn,
                str(data.get("Subject") or ""),
                str(data.get("Content") or ""),
                str(data.get("ContentType") or "text/plain"),
            )
            for name, mime, content in files:
                att = Attachment(
                    self.next_id("att"), txn.id, "", mime, "", user, name, data=content
                )
                self.attachments[att.id] = att
            messages = ["Correspondence added" if kind == "correspond" else "Comments added"]
            for name, value in (data.get("TxnCustomFields") or {}).items():
                cf = self.cf(name, TXN_LOOKUP)
                if cf is None:
                    messages.append(f"Unable to load transaction custom field: {name}")
                    continue
                txn.cfs[cf.id] = _list(value)[: cf.max_values]
                messages.append("Custom fields updated")
            msgs, txns = self._set_cfs(ticket, user, data.get("CustomFields") or {})
            messages += msgs
            made += txns
            if type_ == "Correspond":
                self._txn(ticket, "EmailRecord", "RT_System")
                if ticket.status == "new" or ticket.status in INACTIVE:
                    made += self._set_status(ticket, user, "open")[1]  # RT's AutoOpen scrip
            if "Status" in data:
                msg, txns = self._set_status(ticket, user, str(data["Status"]))
                messages += [msg] if msg else []
                made += txns
            return txn, messages, made

    def _set_status(self, ticket: Ticket, user: str, status: str) -> tuple[str, list[Txn]]:
        if status not in LIFECYCLE:
            return f"Status '{status}' isn't a valid status for this ticket.", []
        if status == ticket.status:
            return "", []
        old, ticket.status = ticket.status, status
        if status in INACTIVE:
            ticket.resolved = now()
        txn = self._txn(ticket, "Status", user, field="Status", old=old, new=status)
        return f"Status changed from '{old}' to '{status}'", [txn]

    def _set_cfs(
        self, ticket: Ticket, user: str, values: dict[str, Any], *, record: bool = True
    ) -> tuple[list[str], list[Txn]]:
        messages: list[str] = []
        made: list[Txn] = []
        for name, value in values.items():
            cf = self.cf(name, TICKET_LOOKUP)
            if cf is None:
                continue  # RT ignores fields that do not apply, silently
            old = ticket.cfs.get(cf.id, [])
            new = [] if value is None else _list(value)[: cf.max_values]
            if new == old:
                continue
            ticket.cfs[cf.id] = new
            if not record:
                continue
            before, after = (old[0] if old else ""), (new[0] if new else "")
            made.append(
                self._txn(ticket, "CustomField", user, field=str(cf.id), old=before, new=after)
            )
            if before and after:
                messages.append(f"{cf.name} {before} changed to {after}")
            elif after:
                messages.append(f"{cf.name} {after} added")
            else:
                messages.append(f"{before} is no longer a value for custom field {cf.name}")
        return messages, made


def _int(value: Any, default: int) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]
