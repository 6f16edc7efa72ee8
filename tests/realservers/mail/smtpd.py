"""The SMTP server of syncd's e-mail tests: aiosmtpd on 127.0.0.1 delivering into the Dovecot
users' maildirs (started and stopped by ``tests/realservers/mail.sh``).

Two listeners: one that requires STARTTLS, one speaking TLS from the first byte (SMTPS).
Both require AUTH (PLAIN or LOGIN) with a user of Dovecot's passwd-file, inside TLS only. A
recipient is delivered when its address is in ``addresses.json`` (address -> user), else
refused with 550; the message is written as it came (after a ``Return-Path`` and a
``Delivered-To`` header) into ``home/<user>/Maildir/new``, where Dovecot finds it.

    python smtpd.py DIR SMTP_PORT SMTPS_PORT [USER]

Started as root (the test Python may live where an unprivileged user cannot read it), it
binds its ports, then runs as USER (``nobody``) like Dovecot.
"""

from __future__ import annotations

import asyncio
import email.feedparser
import email.generator
import email.message
import email.parser
import email.policy
import json
import mailbox
import os
import pwd
import signal
import ssl
import sys
import warnings
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

# after dropping to an unprivileged user the test Python's library may be unreadable: what
# the delivery imports lazily is imported here, before
PRELOADED = (email.feedparser, email.generator, email.message, email.parser, email.policy)


class Users:
    """Dovecot's passwd-file (``user:{PLAIN}password:...``) and the address map."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.passwords: dict[str, str] = {}
        for line in (folder / "passwd").read_text().splitlines():
            user, password = line.split(":")[:2]
            self.passwords[user] = password.removeprefix("{PLAIN}")
        self.addresses: dict[str, str] = json.loads((folder / "addresses.json").read_text())

    def __call__(
        self, server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            user, password = data.login.decode(), data.password.decode()
            if self.passwords.get(user) == password:
                return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False)


class Deliver:
    """Write each accepted message into the recipients' maildirs."""

    def __init__(self, users: Users) -> None:
        self.users = users

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower() not in self.users.addresses:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        for rcpt in envelope.rcpt_tos:
            user = self.users.addresses[rcpt.lower()]
            head = f"Return-Path: <{envelope.mail_from}>\r\nDelivered-To: {rcpt}\r\n".encode()
            box = mailbox.Maildir(self.users.folder / "home" / user / "Maildir", create=True)
            box.add(mailbox.MaildirMessage(head + raw))
            box.close()
        return "250 OK delivered"


def tls_context(folder: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(folder / "tls" / "cert.pem", folder / "tls" / "key.pem")
    return ctx


def main() -> None:
    # the SMTPS listener requires AUTH inside TLS from the first byte, which aiosmtpd does not
    # count as TLS and warns about
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    folder, port, tls_port = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    users = Users(folder)
    common: dict[str, Any] = {
        "authenticator": users,
        "auth_required": True,
        "auth_require_tls": True,
        "data_size_limit": 64 * 1024 * 1024,
    }
    starttls = Controller(
        Deliver(users),
        hostname="127.0.0.1",
        port=port,
        server_hostname="127.0.0.1",
        tls_context=tls_context(folder),
        require_starttls=True,
        **common,
    )
    implicit = Controller(
        Deliver(users),
        hostname="127.0.0.1",
        port=tls_port,
        server_hostname="127.0.0.1",
        ssl_context=tls_context(folder),
        # every byte of this listener is inside TLS, but aiosmtpd counts only STARTTLS as TLS
        **{**common, "auth_require_tls": False},
    )
    starttls.start()
    implicit.start()
    if len(sys.argv) > 4 and os.geteuid() == 0:
        who = pwd.getpwnam(sys.argv[4])
        os.setgroups([])
        os.setgid(who.pw_gid)
        # glibc applies it to every thread; what is imported later cannot be read then:
        # the email modules the delivery uses are imported at the top
        os.setuid(who.pw_uid)
    print(f"smtpd: STARTTLS on {port}, TLS on {tls_port}", flush=True)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.run_until_complete(stop.wait())
    starttls.stop()
    implicit.stop()


if __name__ == "__main__":
    main()
