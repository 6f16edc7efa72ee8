"""IMAP for one mailbox, over the standard library (imaplib); SMTP is in :mod:`.smtp`.

Nothing but :mod:`syncd.errors` leaves this module: refused credentials are ``AuthError``; a
dropped connection, a timeout or a 4xx reply ``TransientError``; a 5xx reply, a refused
command or a certificate that does not verify ``PermanentError``. One IMAP connection is kept
and used under a lock (imaplib is not thread-safe); it is opened again after a failure.
"""

from __future__ import annotations

import imaplib
import re
import selectors
import socket
import ssl
import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from syncd.errors import AuthError, PermanentError, RemoteError, TransientError

from .settings import EmailSettings

T = TypeVar("T")
_FETCH = re.compile(rb"UID (\d+)")
_FLAGS = re.compile(rb"FLAGS \(([^)]*)\)")
_DATE = re.compile(rb'INTERNALDATE "([^"]+)"')
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
_APPENDUID = re.compile(rb"APPENDUID (\d+) (\d+)")


def tls_context(settings: EmailSettings) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(settings.ca_file) if settings.ca_file else None)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Fetched:
    """One message as FETCH gave it."""

    uid: int
    flags: frozenset[str]
    at: datetime | None
    size: int
    data: bytes  # the part asked for (headers, or the message)


def transport_error(where: str, exc: BaseException) -> RemoteError:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return PermanentError(f"{where}: the server's certificate does not verify: {exc.reason}")
    return TransientError(f"{where}: {type(exc).__name__}: {exc}"[:300])


class Mailbox:
    """syncd's IMAP account."""

    def __init__(self, name: str, settings: EmailSettings) -> None:
        self.name = name
        self.settings = settings
        self.lock = threading.RLock()
        self._conn: imaplib.IMAP4 | None = None
        self._selected: str | None = None

    def connect(self) -> imaplib.IMAP4:
        """A new logged-in connection (also used for IDLE)."""
        s = self.settings
        where = f"{self.name}: IMAP {s.imap_host}:{s.imap_port}"
        try:
            if s.imap_security == "tls":
                conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    s.imap_host, s.imap_port, ssl_context=tls_context(s), timeout=s.timeout
                )
            else:
                conn = imaplib.IMAP4(s.imap_host, s.imap_port, timeout=s.timeout)
                conn.starttls(tls_context(s))
        except (OSError, imaplib.IMAP4.error) as exc:
            raise transport_error(where, exc) from None
        try:
            conn.login(s.imap_user, s.imap_secret())
        except imaplib.IMAP4.abort as exc:
            raise TransientError(f"{where}: {exc}") from None
        except imaplib.IMAP4.error as exc:
            conn.shutdown()
            raise AuthError(f"{where}: login refused for {s.imap_user}: {exc}"[:300]) from None
        return conn

    def close(self) -> None:
        with self.lock:
            if self._conn is not None:
                with suppress(OSError, imaplib.IMAP4.error):
                    self._conn.logout()
            self._conn, self._selected = None, None

    def run(self, what: str, fn: Callable[[imaplib.IMAP4], T]) -> T:
        """``fn`` on the kept connection, under the lock, with errors mapped."""
        with self.lock:
            if self._conn is None:
                self._conn, self._selected = self.connect(), None
            try:
                return fn(self._conn)
            except (imaplib.IMAP4.abort, OSError) as exc:
                self._conn, self._selected = None, None
                raise transport_error(f"{self.name}: IMAP {what}", exc) from None
            except imaplib.IMAP4.error as exc:
                raise PermanentError(f"{self.name}: IMAP {what} refused: {exc}"[:300]) from None

    @staticmethod
    def ok(typ: str, data: Sequence[object], what: str) -> None:
        if typ != "OK":
            raise imaplib.IMAP4.error(f"{what}: {typ} {data!r}"[:200])

    def select(self, conn: imaplib.IMAP4, folder: str) -> int:
        """Select ``folder`` (read-write) when it is not; its UIDVALIDITY."""
        if self._selected != folder:
            typ, data = conn.select(quote(folder))
            self.ok(typ, data, f"SELECT {folder}")
            self._selected = folder
        typ, data = conn.response("UIDVALIDITY")
        if data and data[0]:
            self._validity = int(data[0])
        return getattr(self, "_validity", 0)

    def status(self, folder: str) -> tuple[int, int]:
        """(UIDVALIDITY, UIDNEXT) of ``folder``."""

        def go(conn: imaplib.IMAP4) -> tuple[int, int]:
            typ, data = conn.status(quote(folder), "(UIDVALIDITY UIDNEXT)")
            self.ok(typ, data, f"STATUS {folder}")
            text = data[0] if isinstance(data[0], bytes) else b""
            validity = re.search(rb"UIDVALIDITY (\d+)", text)
            nxt = re.search(rb"UIDNEXT (\d+)", text)
            if not validity or not nxt:
                raise imaplib.IMAP4.error(f"STATUS {folder}: {text!r}"[:200])
            return int(validity.group(1)), int(nxt.group(1))

        return self.run(f"STATUS {folder}", go)

    def ensure(self, folder: str) -> None:
        """Create ``folder`` unless it exists."""

        def go(conn: imaplib.IMAP4) -> None:
            typ, data = conn.list('""', quote(folder))
            if typ == "OK" and data and data[0]:
                return
            typ, data = conn.create(quote(folder))
            if typ != "OK" and b"ALREADYEXISTS" not in b" ".join(
                d for d in data if isinstance(d, bytes)
            ):
                self.ok(typ, data, f"CREATE {folder}")

        self.run(f"CREATE {folder}", go)

    def search(self, folder: str, *criteria: str) -> list[int]:
        def go(conn: imaplib.IMAP4) -> list[int]:
            self.select(conn, folder)
            typ, data = conn.uid("SEARCH", *criteria)
            self.ok(typ, data, "SEARCH")
            raw = data[0] if data and isinstance(data[0], bytes) else b""
            return [int(u) for u in raw.split()]

        return self.run(f"SEARCH {folder}", go)

    def fetch(self, folder: str, uids: Sequence[int] | str, part: str) -> list[Fetched]:
        """UID, FLAGS, INTERNALDATE, size and ``part`` (e.g. ``BODY.PEEK[]``) of each."""
        spec = uids if isinstance(uids, str) else ",".join(str(u) for u in uids)
        if not spec:
            return []

        def go(conn: imaplib.IMAP4) -> list[Fetched]:
            self.select(conn, folder)
            typ, data = conn.uid("FETCH", spec, f"(UID FLAGS INTERNALDATE RFC822.SIZE {part})")
            self.ok(typ, data, "FETCH")
            out: list[Fetched] = []
            for item in data:
                if isinstance(item, tuple):
                    head, body = item[0], item[1]
                elif isinstance(item, bytes):
                    head, body = item, b""  # nothing but atoms: no literal follows
                else:
                    continue
                uid = _FETCH.search(head)
                if uid is None:
                    continue
                flags = _FLAGS.search(head)
                date = _DATE.search(head)
                size = _SIZE.search(head)
                out.append(
                    Fetched(
                        uid=int(uid.group(1)),
                        flags=frozenset(flags.group(1).decode().split()) if flags else frozenset(),
                        at=parsedate_to_datetime(date.group(1).decode()) if date else None,
                        size=int(size.group(1)) if size else len(body),
                        data=body,
                    )
                )
            return sorted(out, key=lambda f: f.uid)

        return self.run(f"FETCH {folder}", go)

    def append(self, folder: str, raw: bytes, flags: Sequence[str] = ()) -> int:
        """File ``raw`` in ``folder``; its UID (UIDPLUS)."""

        def go(conn: imaplib.IMAP4) -> int:
            typ, data = conn.append(
                quote(folder), f"({' '.join(flags)})" if flags else None, None, raw
            )
            self.ok(typ, data, f"APPEND {folder}")
            found = _APPENDUID.search(b" ".join(d for d in data if isinstance(d, bytes)))
            if found is None:
                raise imaplib.IMAP4.error("APPEND: the server gave no APPENDUID (needs UIDPLUS)")
            return int(found.group(2))

        return self.run(f"APPEND {folder}", go)

    def flag(self, folder: str, uid: int, flags: Sequence[str], *, add: bool) -> None:
        def go(conn: imaplib.IMAP4) -> None:
            self.select(conn, folder)
            typ, data = conn.uid(
                "STORE", str(uid), "+FLAGS" if add else "-FLAGS", f"({' '.join(flags)})"
            )
            self.ok(typ, data, "STORE")

        self.run(f"STORE {folder}", go)

    def idle(self, conn: imaplib.IMAP4, timeout: float) -> bool:
        """Wait up to ``timeout`` s in IDLE on ``conn`` (its folder selected); True when the
        server announced new mail. The caller falls back to polling on any error."""
        tag = conn._new_tag()
        conn.send(tag + b" IDLE\r\n")
        changed = False
        while True:  # untagged news (or a keep-alive) may come before the continuation
            line = conn.readline()
            if line.startswith(b"+"):
                break
            if not line.startswith(b"* "):
                raise imaplib.IMAP4.error(f"IDLE refused: {line[:100]!r}")
            changed = changed or b"EXISTS" in line
        sock = conn.socket()
        pending = isinstance(sock, ssl.SSLSocket) and sock.pending() > 0
        if not changed and (pending or _readable(sock, timeout)):
            changed = b"EXISTS" in conn.readline()
        conn.send(b"DONE\r\n")
        while True:
            line = conn.readline()
            if not line:
                raise imaplib.IMAP4.abort("connection closed in IDLE")
            if line.startswith(tag):
                return changed
            changed = changed or b"EXISTS" in line


def _readable(sock: socket.socket, timeout: float) -> bool:
    """Whether ``sock`` has something to read within ``timeout`` s (``selectors``, not
    ``select.select``: a daemon may hold descriptors past select's limit of 1024)."""
    with selectors.DefaultSelector() as sel:
        sel.register(sock, selectors.EVENT_READ)
        return bool(sel.select(timeout))
