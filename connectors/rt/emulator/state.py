"""Objects of the Request Tracker emulator and the rules RT applies when they change.

Plain Python, guarded by one lock; ``emulator.py`` turns HTTP into calls on :class:`RTState`
and records back into REST2's JSON. Behaviour mirrored from RT 5 (checked against a real
server): a correspondence opens a new or inactive ticket, e-mail records are transactions an
agent cannot see, a refused value is a sentence in a 200 answer, and a reply or note on a
ticket one may not touch answers 400 "Permission Denied".
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping
from typing import Any

from .files import attachments_of
from .records import (
    INACTIVE,
    LIFECYCLE,
    RIGHTS,
    TICKET_LOOKUP,
    TXN_LOOKUP,
    Attachment,
    CustomField,
    Queue,
    RTError,
    Ticket,
    Txn,
    User,
    now,
    priority_label,
)


class RTState:
    """Users, queues, custom fields, tickets, transactions and attachments of one RT."""

    def __init__(self, tokens: Mapping[str, str] | None = None) -> None:
        self.lock = threading.RLock()
        # generated once per emulator so that a reset keeps the credentials tests hold;
        # ``tokens`` (user -> token) fixes some beforehand
        self._secrets: dict[str, str] = {f"{u}:token": t for u, t in (tokens or {}).items()}
        self.reset()

    def reset(self) -> None:
        """Back to the seeded state: the accounts and queues syncd's tests expect."""
        with self.lock:
            self._ids: dict[str, int] = {"txn": 0, "ticket": 0, "att": 0, "user": 20}
            self.users: dict[str, User] = {}
            self.tokens: dict[str, str] = {}
            self.queues: dict[int, Queue] = {}
            self.cfs: dict[int, CustomField] = {}
            self.tickets: dict[int, Ticket] = {}
            self.txns: dict[int, Txn] = {}
            self.attachments: dict[int, Attachment] = {}
            # (user, queue name, right) taken from a user who may otherwise work in the queue
            self.denied: set[tuple[str, str, str]] = set()
            for name in ("General", "Support", "Restricted"):
                self.add_queue(name)
            self.add_user("RT_System", "The RT System itself", privileged=True)
            self.add_user("Nobody", "Nobody in particular")
            self.add_user("root", "Enoch Root", privileged=True)
            self.add_user("syncd", "syncd", email="syncd@syncd.test", privileged=True)
            self.users["syncd"].queues = {"General", "Support"}
            alice = self.add_user("alice", "Alice Agent", email="alice@syncd.test", privileged=True)
            alice.password = self._secret("alice:password", secrets.token_hex(12))
            self.add_user("carol@example.com", "Carol Customer", email="carol@example.com")
            for user in ("syncd", "alice"):
                token = f"1-{self.users[user].id}-{secrets.token_hex(16)}"
                self.tokens[self._secret(f"{user}:token", token)] = user
            self.add_cf("Developer issue", TICKET_LOOKUP)
            self.add_cf("Product", TICKET_LOOKUP)
            self.add_cf("syncd key", TXN_LOOKUP)

    def _secret(self, name: str, fresh: str) -> str:
        return self._secrets.setdefault(name, fresh)

    def next_id(self, kind: str) -> int:
        """The next id of a kind of record."""
        self._ids[kind] += 1
        return self._ids[kind]

    # -- setup ---------------------------------------------------------------------------

    def add_user(
        self, name: str, real_name: str = "", *, email: str = "", privileged: bool = False
    ) -> User:
        """Create a user unless it exists."""
        with self.lock:
            if name not in self.users:
                uid = self.next_id("user")
                self.users[name] = User(uid, name, real_name, email, privileged)
            return self.users[name]

    def issue_token(self, user: str) -> str:
        """A fresh token in RT's ``1-<user id>-<32 hex>`` form."""
        with self.lock:
            token = f"1-{self.users[user].id}-{secrets.token_hex(16)}"
            self.tokens[token] = user
            return token

    def add_queue(self, name: str) -> Queue:
        """Create a queue."""
        with self.lock:
            qid = len(self.queues) + 1
            self.queues[qid] = Queue(qid, name, f"syncd tests: {name}")
            return self.queues[qid]

    def add_cf(self, name: str, lookup: str, max_values: int = 1) -> CustomField:
        """Create a custom field, applied to every queue (``queues`` narrows it)."""
        with self.lock:
            cid = len(self.cfs) + 2  # RT's own "Severity"-like field took id 1 upstream
            self.cfs[cid] = CustomField(cid, name, lookup, max_values)
            return self.cfs[cid]

    # -- lookups -------------------------------------------------------------------------

    def user(self, key: str | int) -> User | None:
        """A user by id, name or e-mail address."""
        text = str(key)
        if text.isdigit():
            return next((u for u in self.users.values() if u.id == int(text)), None)
        return self.users.get(text) or next(
            (u for u in self.users.values() if u.email and u.email.lower() == text.lower()), None
        )

    def queue(self, key: str | int) -> Queue | None:
        """A queue by id or name."""
        text = str(key)
        if text.isdigit():
            return self.queues.get(int(text))
        return next((q for q in self.queues.values() if q.name.lower() == text.lower()), None)

    def cf(self, key: str | int, lookup: str) -> CustomField | None:
        """A custom field of a lookup type by id or name."""
        text = str(key)
        for cf in self.cfs.values():
            if cf.lookup == lookup and (str(cf.id) == text or cf.name.lower() == text.lower()):
                return cf
        return None

    def can(self, user: str, queue_id: int, right: str = "ShowTicket") -> bool:
        """Whether ``user`` holds ``right`` in the queue (by default: sees its tickets)."""
        who = self.users.get(user)
        queue = self.queues.get(queue_id)
        if who is None or queue is None or not who.privileged:
            return False
        if (user, queue.name, right) in self.denied:
            return False
        if right != "SeeQueue" and (user, queue.name, "SeeQueue") in self.denied:
            return False
        return who.queues is None or queue.name in who.queues

    def deny(self, user: str, queue: str, right: str) -> None:
        """Take one right (``ReplyToTicket``, ...) in ``queue`` away from ``user``."""
        if right not in RIGHTS:
            raise ValueError(f"right is one of {RIGHTS}")
        with self.lock:
            self.denied.add((user, queue, right))

    def ticket_for(self, user: str, tid: int) -> Ticket:
        """The ticket, or 404 / 403 as REST2 answers a read."""
        ticket = self.tickets.get(tid)
        if ticket is None:
            raise RTError(404, "Not Found")
        if not self.can(user, ticket.queue):
            raise RTError(403, "Forbidden")
        return ticket

    def visible(self, user: str, txn: Txn) -> bool:
        """Nobody here holds ShowOutgoingEmail: e-mail records stay hidden, as in RT."""
        ticket = self.tickets.get(txn.ticket)
        return txn.type != "EmailRecord" and ticket is not None and self.can(user, ticket.queue)

    def etag(self, ticket: Ticket) -> str:
        """The ticket's ETag: its newest transaction id, quoted."""
        last = max((t.id for t in self.txns.values() if t.ticket == ticket.id), default=0)
        return f'"{last}"'

    # -- writes --------------------------------------------------------------------------

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
