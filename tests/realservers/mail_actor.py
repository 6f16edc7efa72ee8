"""A supplier on the far side of the real mail servers: reads its own mailbox over IMAP and
answers over SMTP as a person's mail client would (``Re:`` subject, ``In-Reply-To``,
``References``, the quoted message below the answer, a signature), or sends raw bytes.

::

    supplier = MailActor(servers.info, "supplier")
    case_mail = supplier.wait_for(lambda m: "[case " in m["Subject"])
    supplier.reply(case_mail, "We are on it.")
"""

from __future__ import annotations

import imaplib
import ssl
import time
from collections.abc import Callable
from email import message_from_bytes
from email.message import Message
from email.policy import default
from typing import Any

from connectors.email.emulator.mail_user import MailUser


class MailActor(MailUser):
    """One user of the test mail servers (writing, ``case_mails`` and ``resolve``: as the
    emulator's supplier, :class:`~connectors.email.emulator.mail_user.MailUser`)."""

    def __init__(self, info: dict[str, Any], user: str) -> None:
        super().__init__(info, user, ssl.create_default_context(cafile=info["ca_file"]))

    def as_user(self, user: str) -> MailActor:
        """The same, as another user of the servers (``mallory``...)."""
        return MailActor(self.info, user)

    def messages(self) -> list[Message]:
        """Everything in this user's inbox, oldest first."""
        conn = imaplib.IMAP4(self.info["host"], self.info["imap_port"], timeout=30)
        try:
            conn.starttls(self.tls)
            conn.login(self.user, self.password)
            conn.select("INBOX", readonly=True)
            _, data = conn.uid("SEARCH", "ALL")
            out: list[Message] = []
            for uid in (data[0] or b"").split():
                _, got = conn.uid("FETCH", uid, "(BODY.PEEK[])")
                for item in got:
                    if isinstance(item, tuple):
                        out.append(message_from_bytes(item[1], policy=default))
            return out
        finally:
            conn.logout()

    def wait_for(self, match: Callable[[Message], bool], timeout: float = 30.0) -> Message:
        """The first message of this inbox that ``match`` accepts, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while True:
            for msg in self.messages():
                if match(msg):
                    return msg
            if time.monotonic() > deadline:
                raise AssertionError(f"no matching message for {self.user} in {timeout} s")
            time.sleep(0.2)
