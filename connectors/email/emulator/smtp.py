"""The emulator's SMTP submission servers on 127.0.0.1 (aiosmtpd), as a provider's relay
answers: one port that requires STARTTLS (587's rules), one that speaks TLS from the first
byte (465's). Both require AUTH (PLAIN or LOGIN) with an account of the store, and inside TLS
only. A recipient the store has a mailbox for is delivered into its INBOX at once (waking IMAP
IDLE); any other is refused with 550, as a relay that knows its domains does.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import warnings
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from .state import MailStore

MAX_MESSAGE = 64 * 1024 * 1024
# every byte of the TLS listener is inside TLS, but aiosmtpd counts only STARTTLS as TLS and
# warns, for each connection, that it requires AUTH without TLS; it also logs a warning of its
# own deprecation (``Session.login_data``) at every AUTH: the demo's terminal shows neither
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
logging.getLogger("mail.log").setLevel(logging.ERROR)


class _Accounts:
    """AUTH against the store's accounts."""

    def __init__(self, store: MailStore) -> None:
        self.store = store

    def __call__(
        self, server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            user, password = data.login.decode(), data.password.decode()
            if self.store.login(user, password) is not None:
                return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False)


class _Deliver:
    """Recipients the store knows, delivered to their INBOX."""

    def __init__(self, store: MailStore) -> None:
        self.store = store

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.store.owner(address) is None:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        sender = str(envelope.mail_from or "")
        for rcpt in envelope.rcpt_tos:
            self.store.deliver(rcpt, raw, sender)
        return "250 2.0.0 Ok: queued"


class SMTPServers:
    """The STARTTLS and the TLS listener, started and stopped together."""

    def __init__(self, store: MailStore, tls: ssl.SSLContext, port: int, tls_port: int) -> None:
        common: dict[str, Any] = {
            "authenticator": _Accounts(store),
            "auth_required": True,
            "data_size_limit": MAX_MESSAGE,
            "hostname": "127.0.0.1",
            "server_hostname": "127.0.0.1",
            "ident": "ESMTP Postfix (emulated)",
        }
        self.starttls = Controller(
            _Deliver(store),
            port=port,
            tls_context=tls,
            require_starttls=True,
            auth_require_tls=True,
            **common,
        )
        self.implicit = Controller(
            _Deliver(store), port=tls_port, ssl_context=tls, auth_require_tls=False, **common
        )

    @property
    def ports(self) -> tuple[int, int]:
        return int(self.starttls.port), int(self.implicit.port)

    def start(self) -> SMTPServers:
        self.starttls.start()
        self.implicit.start()
        return self

    def stop(self) -> None:
        for controller in (self.starttls, self.implicit):
            with contextlib.suppress(AssertionError, RuntimeError):  # not running
                controller.stop()
