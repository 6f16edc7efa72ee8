"""An in-process mail provider for tests, the demo and ``syncd emulate email``: IMAP4rev1
(Dovecot's answers, :mod:`.session`) and SMTP submission (Postfix's rules, :mod:`.smtp`) on
127.0.0.1 over one in-memory store (:mod:`.store`), behind a self-signed certificate
(:mod:`.tls`). Its ``.app`` is a small webmail (the page a case link of syncd's points at:
``/?_task=mail&_mbox=<folder>&_search=<text>``) with ``/_emulator/mail`` (ports, users,
passwords, the CA file: what ``tests/realservers/mail.sh`` writes to its ``info.json``) and
the emulators' control routes.

The servers start when the emulator is built, so that its settings can be read at once, and
stop with ``close()`` or when its app's server shuts down.
"""

from __future__ import annotations

import html
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from syncd.testing.emulation import EmulatorControl, control_routes
from syncd.testing.server import free_port

from ..mapping import CASE
from .imap import IMAPServer
from .records import MailError
from .smtp import SMTPServers
from .state import MailStore
from .tls import make_certificate

HOST = "127.0.0.1"
# user, password, addresses (the first is the one it writes from): mail.sh's users
USERS = (
    ("syncd", "syncd-mail-secret", ("support@acme.test",)),
    ("desk", "desk-mail-secret", ("desk@acme.test",)),
    ("supplier", "supplier-mail-secret", ("help@supplier.test", "jane@supplier.test")),
    ("other", "other-mail-secret", ("help@other.test",)),
    ("mallory", "mallory-mail-secret", ("mallory@evil.test",)),
)


class MailEmulator:
    """The store, the four listeners and the webmail of one emulated mail provider."""

    def __init__(self) -> None:
        self.store = MailStore()
        for user, password, addresses in USERS:
            self.store.add_account(user, password, list(addresses))
        self.folder = Path(tempfile.mkdtemp(prefix="syncd-mail-emulator-"))
        self.certificate = make_certificate(self.folder / "tls")
        tls = self.certificate.server_context()
        self.imap = IMAPServer(free_port(), self.store, tls, implicit_tls=False).start()
        self.imaps = IMAPServer(free_port(), self.store, tls, implicit_tls=True).start()
        self.smtp = SMTPServers(self.store, tls, free_port(), free_port()).start()
        # mail has no webhooks: the control is there for the counters the sandbox reads
        self.control = EmulatorControl(lambda body: {})
        self._closed = False

        @asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            yield
            self.close()

        routes = [
            Route("/", self._webmail),
            Route("/_emulator/mail", self._info_route),
            *control_routes(self.control, self.reset),
        ]
        self.app = Starlette(routes=routes, lifespan=lifespan)

    def info(self) -> dict[str, Any]:
        """Ports, users (password, addresses), the CA file: the shape of mail.sh's info.json."""
        smtp, smtps = self.smtp.ports
        with self.store.lock:
            users = {
                a.user: {"password": a.password, "address": a.address, "addresses": a.addresses}
                for a in self.store.accounts.values()
            }
        return {
            "host": HOST,
            "imap_port": self.imap.port,
            "imaps_port": self.imaps.port,
            "smtp_port": smtp,
            "smtps_port": smtps,
            "ca_file": str(self.certificate.cert_file),
            "users": users,
        }

    def add_user(self, user: str, password: str, addresses: list[str]) -> None:
        self.store.add_account(user, password, addresses)

    def reset(self) -> None:
        """Every mailbox empty again (the accounts stay)."""
        with self.store.lock:
            for account in self.store.accounts.values():
                account.folders.clear()
                self.store.create(account, "INBOX")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.smtp.stop()
        for server in (self.imap, self.imaps):
            server.stop()
        self.control.webhooks.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- HTTP ------------------------------------------------------------------------------

    async def _info_route(self, request: Request) -> JSONResponse:
        return JSONResponse(self.info())

    async def _webmail(self, request: Request) -> HTMLResponse:
        """A read-only list of one folder's mail (``_user``, ``_mbox``, ``_search``)."""
        q = request.query_params
        user, folder, wanted = q.get("_user", "syncd"), q.get("_mbox", "INBOX"), q.get("_search")
        rows = []
        with self.store.lock:
            account = self.store.accounts.get(user)
            try:
                found = list(account.folder(folder).messages) if account else []
            except MailError:
                found = []
        for m in found:
            msg = message_from_bytes(m.raw)
            subject = _decoded(msg.get("Subject", ""))
            if wanted and wanted.lower() not in (subject + str(msg.get(CASE, ""))).lower():
                continue
            cells = (f"{m.at:%Y-%m-%d %H:%M}", _decoded(msg.get("From", "")), subject)
            rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        title = html.escape(f"{user}: {folder}" + (f" — {wanted}" if wanted else ""))
        body = "".join(rows) or "<tr><td colspan=3>no mail</td></tr>"
        return HTMLResponse(f"<h1>{title}</h1><table>{body}</table>")


def _decoded(value: object) -> str:
    try:
        return str(make_header(decode_header(str(value))))
    except (LookupError, ValueError):
        return str(value)


def build(
    webhook_url: str | None = None, webhook_secret: str | None = None, **kw: Any
) -> MailEmulator:
    """A mail emulator, its servers listening (mail has no webhooks: both are unused;
    ``latency`` and ``limits``, which the demo gives every emulator, too)."""
    return MailEmulator()
