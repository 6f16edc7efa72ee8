"""The commands of the IMAP selected state (RFC 3501 6.4, and IDLE of RFC 2177), a part of
:class:`.session.Session`: SEARCH, FETCH and STORE (also as UID commands), CHECK, CLOSE,
UNSELECT, IDLE."""

from __future__ import annotations

import socket
from collections.abc import Callable

from . import render, search
from .records import Account, Stored
from .state import MailStore
from .syntax import Bad, Reader, flags_of, in_set, sequence
from .wire import Wire

KEEPALIVE = 120.0  # Dovecot's "* OK Still here" during IDLE


class Selected:
    """The selected-state commands; the session holds the state they read."""

    store: MailStore
    wire: Wire
    account: Account | None
    selected: str | None
    readonly: bool
    send: Callable[[str], None]
    _news: Callable[[], bool]

    def _messages(self) -> list[tuple[int, Stored]]:
        assert self.account is not None and self.selected is not None
        return list(enumerate(self.account.folder(self.selected).messages, 1))

    def _search(self, r: Reader, by_uid: bool) -> str:
        with self.store.lock:
            found = self._messages()
            largest = max((m.uid for _, m in found), default=0)
            test = search.search_keys(r, largest, len(found))
            hits = [m.uid if by_uid else s for s, m in found if test(s, m)]
        self.send("* SEARCH" + "".join(f" {h}" for h in hits))
        return "OK Search completed."

    def do_SEARCH(self, r: Reader) -> str:
        return self._search(r, by_uid=False)

    def do_UID_SEARCH(self, r: Reader) -> str:
        return self._search(r, by_uid=True)

    def _targets(self, spec: str, by_uid: bool) -> list[tuple[int, Stored]]:
        found = self._messages()
        if by_uid:
            ranges = list(sequence(spec, max((m.uid for _, m in found), default=0)))
            return [(s, m) for s, m in found if in_set(m.uid, ranges)]
        ranges = list(sequence(spec, len(found)))
        return [(s, m) for s, m in found if in_set(s, ranges)]

    def _fetch(self, r: Reader, by_uid: bool) -> str:
        spec, items = r.string(), render.items_of(r.token())
        with self.store.lock:
            for seq, msg in self._targets(spec, by_uid):
                parts, seen = render.fetch(msg, items, by_uid=by_uid)
                if seen and not self.readonly:
                    msg.flags.add("\\Seen")
                self.wire.send(render.render(seq, parts))
        return "OK Fetch completed."

    def do_FETCH(self, r: Reader) -> str:
        return self._fetch(r, by_uid=False)

    def do_UID_FETCH(self, r: Reader) -> str:
        return self._fetch(r, by_uid=True)

    def _store(self, r: Reader, by_uid: bool) -> str:
        spec, how = r.string(), r.string().upper()
        flags = flags_of(r.token())
        if how.removesuffix(".SILENT") not in ("FLAGS", "+FLAGS", "-FLAGS"):
            raise Bad(f"Invalid STORE item {how}")
        if self.readonly:
            return "NO Mailbox is read-only."
        with self.store.lock:
            for seq, msg in self._targets(spec, by_uid):
                have = msg.flags
                if how.startswith("+"):
                    have |= flags
                elif how.startswith("-"):
                    have -= flags
                else:
                    have.clear()
                    have |= flags
                if not how.endswith(".SILENT"):
                    uid = f"UID {msg.uid} " if by_uid else ""
                    self.send(f"* {seq} FETCH ({uid}FLAGS ({' '.join(sorted(have))}))")
        return "OK Store completed."

    def do_STORE(self, r: Reader) -> str:
        return self._store(r, by_uid=False)

    def do_UID_STORE(self, r: Reader) -> str:
        return self._store(r, by_uid=True)

    def do_CHECK(self, r: Reader) -> str:
        return "OK Check completed."

    def do_CLOSE(self, r: Reader) -> str:
        self.selected = None
        return "OK Close completed."

    def do_UNSELECT(self, r: Reader) -> str:
        self.selected = None
        return "OK Unselect completed."

    def do_IDLE(self, r: Reader) -> str:
        """Announce new mail at once until the client says DONE (RFC 2177)."""
        if self.account is None:
            return "BAD Error in IMAP command: Not logged in."
        user, folder = self.account.user, self.selected
        wake = self.store.watch(user, folder) if folder else None
        try:
            self._news()
            self.wire.send(b"+ idling\r\n")
            while True:
                why = self.wire.wait(wake, KEEPALIVE)
                if why == "client":
                    break
                if why == "wake" and wake is not None:
                    drain(wake)
                    self._news()
                else:
                    self.send("* OK Still here")
        finally:
            if wake is not None and folder is not None:
                self.store.unwatch(user, folder, wake)
        done = self.wire.readline().strip().upper()
        return "OK Idle completed." if done == b"DONE" else "BAD Expected DONE."


def drain(wake: socket.socket) -> None:
    """Empty the wake-up socket (each delivery wrote a byte to it)."""
    try:
        while wake.recv(256):
            pass
    except BlockingIOError:
        pass
