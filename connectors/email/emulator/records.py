"""What the emulated mail server holds: accounts, their folders and the messages in them, as
Dovecot keeps them for IMAP (a UIDVALIDITY per folder, UIDs that only grow, flags and
keywords, the moment a message arrived)."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import compat32

SYSTEM_FLAGS = ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft")
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_VALIDITY = itertools.count(int(time.time()))  # a folder made anew never reuses one


class MailError(Exception):
    """A request the store refuses: ``code`` is the IMAP response code Dovecot gives."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


@dataclass
class Stored:
    uid: int
    raw: bytes
    at: datetime
    flags: set[str] = field(default_factory=set)


@dataclass
class Folder:
    name: str
    validity: int = field(default_factory=lambda: next(_VALIDITY))
    next_uid: int = 1
    messages: list[Stored] = field(default_factory=list)

    def add(self, raw: bytes, flags: set[str], at: datetime | None = None) -> Stored:
        msg = Stored(self.next_uid, raw, at or datetime.now(UTC).replace(microsecond=0), flags)
        self.next_uid += 1
        self.messages.append(msg)
        return msg

    def by_uid(self, uid: int) -> Stored | None:
        return next((m for m in self.messages if m.uid == uid), None)


@dataclass
class Account:
    user: str
    password: str
    addresses: list[str]
    folders: dict[str, Folder] = field(default_factory=lambda: {"INBOX": Folder("INBOX")})

    @property
    def address(self) -> str:
        return self.addresses[0]

    def folder(self, name: str) -> Folder:
        found = self.folders.get(canonical(name))
        if found is None:
            raise MailError("NONEXISTENT", f"Mailbox doesn't exist: {name}")
        return found


def canonical(name: str) -> str:
    """INBOX is case-insensitive (RFC 3501), other names are not."""
    return "INBOX" if name.upper() == "INBOX" else name


def split(raw: bytes) -> tuple[bytes, bytes]:
    """(the header with its closing blank line, the text)."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        at = raw.find(sep)
        if at >= 0:
            return raw[: at + len(sep)], raw[at + len(sep) :]
    return raw, b""


def header_values(raw: bytes, name: str) -> list[str]:
    msg = BytesHeaderParser(policy=compat32).parsebytes(split(raw)[0])
    return [str(v) for v in msg.get_all(name, [])]


def internal_date(at: datetime) -> str:
    return f"{at.day:02d}-{MONTHS[at.month - 1]}-{at:%Y %H:%M:%S %z}"
