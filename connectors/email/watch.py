"""IMAP IDLE: a second connection that waits in the inbox and says when new mail arrived, so
the poll runs at once instead of on its next interval. A server without IDLE, ``idle:
false`` or a failing connection leave the interval alone to bring the mail in."""

from __future__ import annotations

import imaplib
import threading
from contextlib import suppress

from syncd.errors import TransientError

from .client import Mailbox, quote
from .settings import EmailSettings

MAX_IDLE = 25 * 60.0  # RFC 2177: servers may drop an IDLE after 30 minutes


class Watcher:
    """Waits for news in the inbox on its own connection."""

    def __init__(self, box: Mailbox, settings: EmailSettings) -> None:
        self.box = box
        self.settings = settings
        self._conn: imaplib.IMAP4 | None = None
        self._closed = threading.Event()
        self.supported: bool | None = None  # None: not asked yet

    def wait(self, timeout: float) -> bool:
        """True when new mail arrived within ``timeout`` s; False when it did not, or at the
        end of ``timeout`` when IDLE is not to be used."""
        if self._closed.is_set():
            return False
        if not self.settings.idle or self.supported is False:
            self._closed.wait(timeout)
            return False
        try:
            conn = self._open()
            if conn is None:
                self._closed.wait(timeout)
                return False
            return self.box.idle(conn, min(timeout, MAX_IDLE))
        except (OSError, imaplib.IMAP4.error) as exc:
            self._drop()
            self._closed.wait(min(timeout, 30.0))
            raise TransientError(f"{self.box.name}: IMAP IDLE: {exc}"[:300]) from None

    def _open(self) -> imaplib.IMAP4 | None:
        if self._conn is not None:
            return self._conn
        conn = self.box.connect()
        typ, caps = conn.capability()
        words = b" ".join(c for c in caps if isinstance(c, bytes)).upper().split()
        self.supported = b"IDLE" in words
        if not self.supported:
            conn.logout()
            return None
        typ, data = conn.select(quote(self.settings.inbox), readonly=True)
        if typ != "OK":
            conn.logout()
            raise imaplib.IMAP4.error(f"SELECT {self.settings.inbox}: {data!r}"[:200])
        self._conn = conn
        return conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with suppress(OSError):
                conn.shutdown()

    def close(self) -> None:
        """Stop waiting (a wait in progress ends with an error or at once)."""
        self._closed.set()
        self._drop()
