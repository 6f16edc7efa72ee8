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
import smtplib
import ssl
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage, Message
from email.policy import SMTP, default
from email.utils import format_datetime, make_msgid
from typing import Any


class MailActor:
    """One user of the test mail servers."""

    def __init__(self, info: dict[str, Any], user: str) -> None:
        self.info = info
        self.user = user
        found = info["users"][user]
        self.password = str(found["password"])
        self.address = str(found["address"])
        self.ctx = ssl.create_default_context(cafile=info["ca_file"])

    def send_raw(self, raw: bytes, to: str, sender: str | None = None) -> None:
        """Submit ``raw`` as it is (SMTP with STARTTLS, as this user)."""
        with smtplib.SMTP(self.info["host"], self.info["smtp_port"], timeout=30) as conn:
            conn.starttls(context=self.ctx)
            conn.login(self.user, self.password)
            conn.sendmail(self.address if sender is None else sender, [to], raw)

    def send(self, to: str, subject: str, body: str, **headers: str) -> str:
        """A new message; its Message-ID."""
        msg = EmailMessage(policy=SMTP)
        msg["From"] = headers.pop("From", self.address)
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = format_datetime(datetime.now(UTC))
        msg["Message-ID"] = make_msgid(domain=self.address.split("@")[1])
        for name, value in headers.items():
            msg[name.replace("_", "-")] = value
        msg.set_content(body)
        self.send_raw(msg.as_bytes(), to)
        return str(msg["Message-ID"])

    def reply(
        self,
        to_msg: Message,
        body: str,
        *,
        subject: str | None = None,
        sender: str | None = None,
        **headers: str,
    ) -> str:
        """Answer ``to_msg`` like a mail client: quoted history and a signature below."""
        quoted = "\n".join(f"> {line}" for line in _text(to_msg).splitlines())
        text = (
            f"{body}\n\n-- \nJane Doe, Supplier Support\n\n"
            f"On {to_msg['Date']}, {to_msg['From']} wrote:\n{quoted}\n"
        )
        refs = " ".join(
            filter(None, [str(to_msg.get("References", "")), str(to_msg["Message-ID"])])
        )
        return self.send(
            str(to_msg.get("Reply-To") or to_msg["From"]),
            subject if subject is not None else f"Re: {to_msg['Subject']}",
            text,
            In_Reply_To=str(to_msg["Message-ID"]),
            References=refs.strip(),
            **({"From": sender} if sender else {}),
            **headers,
        )

    def messages(self) -> list[Message]:
        """Everything in this user's inbox, oldest first."""
        conn = imaplib.IMAP4(self.info["host"], self.info["imap_port"], timeout=30)
        try:
            conn.starttls(self.ctx)
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

    def case_mails(self, case: str, *, reply: bool | None = None) -> list[Message]:
        """The mails of case ``case`` in this inbox (``reply``: only follow-ups, or only the
        opening mail)."""
        out = []
        for m in self.messages():
            subject = str(m["Subject"] or "")
            if f"[case {case}]" not in subject:
                continue
            if reply is None or subject.startswith("Re:") is reply:
                out.append(m)
        return out

    def resolve(self, to_msg: Message, body: str, keyword: str = "#resolved") -> str:
        """Answer that the case is solved: the keyword starts the answer's first line."""
        return self.reply(to_msg, f"{keyword} {body}")

    def as_user(self, user: str) -> MailActor:
        """The same, as another user of the servers (``mallory``...)."""
        return MailActor(self.info, user)

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


def _text(msg: Message) -> str:
    try:  # hostile mail (unknown charsets, broken MIME) has no text to quote
        part = msg.get_body(("plain",)) if hasattr(msg, "get_body") else None
        content = part.get_content() if part is not None else ""
    except (LookupError, ValueError, KeyError, AttributeError):
        return ""
    return content if isinstance(content, str) else ""
