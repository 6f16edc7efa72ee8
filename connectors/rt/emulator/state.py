"""Objects of the Request Tracker emulator and the rules RT applies when they change.

Plain Python, guarded by one lock; the writes are in ``writes.py``. The routes turn HTTP
into calls on :class:`RTState` and records back into REST2's JSON. Behaviour mirrored from
RT 5 (checked against a real server): a correspondence opens a new or inactive ticket,
e-mail records are transactions an agent cannot see, a refused value is a sentence in a 200
answer, and a reply or note on a ticket one may not touch answers 400 "Permission Denied".
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping

from .records import (
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
)
from .writes import TicketWrites


class RTState(TicketWrites):
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
