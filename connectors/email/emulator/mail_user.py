"""A user of a mail provider who writes as a person's mail client does: a new mail with its
``Date`` and ``Message-ID``, or an answer in the thread of another (``Re:`` and the subject,
``In-Reply-To`` and ``References``, a signature and the quoted message below the answer),
each sent over SMTP with STARTTLS and AUTH like any sender.

The emulator's supplier (:class:`~.actor.SupplierActor`) is one; so is a user of real mail
servers, which reads its inbox over IMAP its own way.
"""

from __future__ import annotations

import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from typing import Any

SIGNATURE = "Jane Doe, Supplier Support"
RESOLVE_KEYWORD = "#resolved"  # EmailSettings.resolve_keywords' default


class MailUser:
    """One user of a provider's mail servers. ``info`` tells the servers and their users (the
    emulator's ``info()``: ``host``, ``smtp_port``, ``users``); ``tls`` trusts the servers'
    certificate."""

    def __init__(self, info: dict[str, Any], user: str, tls: ssl.SSLContext) -> None:
        self.info = info
        self.user = user
        found = info["users"][user]
        self.password = str(found["password"])
        self.address = str(found["address"])
        self.tls = tls

    def send_raw(self, raw: bytes, to: str, sender: str | None = None) -> None:
        """Submit ``raw`` as it is (SMTP with STARTTLS, as this user; ``sender``: the
        envelope's, else this user's address)."""
        with smtplib.SMTP(self.info["host"], self.info["smtp_port"], timeout=30) as conn:
            conn.starttls(context=self.tls)
            conn.login(self.user, self.password)
            conn.sendmail(self.address if sender is None else sender, [to], raw)

    def send(self, to: str, subject: str, body: str, **headers: str) -> str:
        """A new mail; its Message-ID. ``headers`` are written with ``-`` for ``_``
        (``In_Reply_To``); a ``From`` among them replaces this user's address."""
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
        """Answer ``to_msg`` in its thread: quoted history and a signature below (``sender``:
        the From written, another than the account's own)."""
        quoted = "\n".join(f"> {line}" for line in text_of(to_msg).splitlines())
        said = f"On {to_msg['Date']}, {to_msg['From']} wrote:"
        text = f"{body}\n\n-- \n{SIGNATURE}\n\n{said}\n{quoted}\n"
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

    def resolve(self, to_msg: Message, body: str, keyword: str = RESOLVE_KEYWORD) -> str:
        """Answer that the case is solved: the keyword starts the answer's first line."""
        return self.reply(to_msg, f"{keyword} {body}")

    def messages(self) -> list[Message]:
        """Everything in this user's inbox, oldest first (each provider reads it its way)."""
        raise NotImplementedError

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


def text_of(msg: Message) -> str:
    """The plain text of ``msg``; none where hostile mail (unknown charsets, broken MIME)
    has no text to quote."""
    try:
        part = msg.get_body(("plain",)) if hasattr(msg, "get_body") else None
        content = part.get_content() if part is not None else ""
    except (LookupError, ValueError, KeyError, AttributeError):
        return ""
    return content if isinstance(content, str) else ""
