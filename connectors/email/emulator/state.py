"""The emulator's mail store, in memory (the records are in :mod:`.records`). Thread-safe:
the SMTP and IMAP servers and the actors share one store.

New mail (SMTP delivery, APPEND) wakes every IMAP session waiting in IDLE on that folder:
each waiter registers a socket pair and gets one byte written to it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from datetime import datetime

from .records import Account, Folder, MailError, canonical


class MailStore:
    """Every account of the emulated mail server."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.accounts: dict[str, Account] = {}
        self._waiters: dict[tuple[str, str], set[socket.socket]] = {}
        self._ends: dict[socket.socket, socket.socket] = {}  # the waiter's end -> the store's

    def add_account(self, user: str, password: str, addresses: list[str]) -> Account:
        with self.lock:
            found = self.accounts.get(user)
            if found is None:
                found = self.accounts[user] = Account(
                    user, password, [a.lower() for a in addresses]
                )
            return found

    def login(self, user: str, password: str) -> Account | None:
        with self.lock:
            found = self.accounts.get(user)
            return found if found is not None and found.password == password else None

    def owner(self, address: str) -> Account | None:
        """The account receiving mail for ``address``."""
        wanted = address.strip().strip("<>").lower()
        with self.lock:
            return next((a for a in self.accounts.values() if wanted in a.addresses), None)

    def create(self, account: Account, name: str) -> None:
        with self.lock:
            if canonical(name) in account.folders:
                raise MailError("ALREADYEXISTS", "Mailbox already exists")
            if not name or name.startswith(".") or "\r" in name or "\n" in name:
                raise MailError("CANNOT", "Invalid mailbox name")
            account.folders[name] = Folder(name)

    def delete(self, account: Account, name: str) -> None:
        with self.lock:
            if canonical(name) == "INBOX":
                raise MailError("CANNOT", "INBOX can't be deleted.")
            account.folder(name)
            del account.folders[name]

    def append(
        self, account: Account, name: str, raw: bytes, flags: set[str], at: datetime | None = None
    ) -> tuple[int, int]:
        """File ``raw`` in a folder; (its UIDVALIDITY, the message's UID)."""
        with self.lock:
            try:
                folder = account.folder(name)
            except MailError:
                raise MailError("TRYCREATE", f"Mailbox doesn't exist: {name}") from None
            msg = folder.add(raw, set(flags), at)
            self._wake(account.user, folder.name)
            return folder.validity, msg.uid

    def deliver(self, address: str, raw: bytes, sender: str) -> bool:
        """An SMTP delivery to ``address``: into its owner's INBOX (False: no such mailbox)."""
        account = self.owner(address)
        if account is None:
            return False
        head = f"Return-Path: <{sender}>\r\nDelivered-To: {address}\r\n".encode()
        self.append(account, "INBOX", head + raw, set())
        return True

    # --- IDLE ------------------------------------------------------------------------------

    def watch(self, user: str, folder: str) -> socket.socket:
        """A socket that becomes readable when ``folder`` of ``user`` gets new mail."""
        mine, theirs = socket.socketpair()
        mine.setblocking(False)
        with self.lock:
            self._waiters.setdefault((user, folder), set()).add(theirs)
            self._ends[mine] = theirs
        return mine

    def unwatch(self, user: str, folder: str, mine: socket.socket) -> None:
        with self.lock:
            theirs = self._ends.pop(mine, None)
            if theirs is not None:
                self._waiters.get((user, folder), set()).discard(theirs)
                theirs.close()
        mine.close()

    def _wake(self, user: str, folder: str) -> None:
        for theirs in list(self._waiters.get((user, folder), ())):
            with contextlib.suppress(OSError):  # its buffer is full: it is awake already
                theirs.send(b"!")
