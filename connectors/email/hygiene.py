"""Reading a supplier's mail: pure functions from raw bytes to what a reply says.

Hostile mail is the norm here: malformed MIME, unknown or lying charsets, headers that do not
decode, a body of megabytes. Nothing below raises on such input; what cannot be decoded is
decoded with replacement characters and said so (``defects``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

AUTO_SUBJECTS = re.compile(
    r"^\s*(automatic reply|auto(matic)?[- ]?(reply|response)|out of (the )?office|"
    r"abwesenheitsnotiz|r[ée]ponse automatique|delivery status notification|"
    r"undeliverable|undelivered mail|mail delivery failed)\b",
    re.IGNORECASE,
)
BOUNCE_SENDERS = ("mailer-daemon@", "postmaster@")
QUOTE_HEADERS = [
    re.compile(r"^\s*On\b.*\bwrote:\s*$"),
    re.compile(r"^\s*Le\b.*\ba [ée]crit\s*:\s*$"),
    re.compile(r"^\s*Am\b.*\bschrieb\b.*:\s*$"),
    re.compile(
        r"^\s*-{2,}\s*(Original Message|Forwarded message|Ursprüngliche Nachricht)\s*-{2,}",
        re.IGNORECASE,
    ),
    re.compile(r"^\s*_{10,}\s*$"),
]
OUTLOOK_FROM = re.compile(r"^\s*\*?(From|Von|De)\s*:\*?\s", re.IGNORECASE)
OUTLOOK_NEXT = re.compile(r"^\s*\*?(Sent|Date|Gesendet|Envoy[ée])\s*:\*?\s", re.IGNORECASE)
SIGNATURES = [
    re.compile(r"^-- ?$"),
    re.compile(r"^\s*Sent from my \w+", re.IGNORECASE),
    re.compile(r"^\s*Get Outlook for \w+", re.IGNORECASE),
]


@dataclass(frozen=True)
class Incoming:
    """What syncd needs of one received message."""

    message_id: str
    subject: str
    sender: str  # the From address, lower case ("" when none can be read)
    in_reply_to: tuple[str, ...]
    date: datetime | None
    automatic: str | None  # why it is an auto-reply or a bounce (None: a person wrote it)
    text: str  # the new text only: quoted history and signature stripped
    attachments: tuple[str, ...] = ()
    defects: tuple[str, ...] = field(default_factory=tuple)


def header(msg: Message, name: str) -> str:
    """A header's decoded text; an undecodable one as it stands, never an exception."""
    raw = msg.get(name)
    if raw is None:
        return ""
    try:
        return str(make_header(decode_header(str(raw)))).strip()
    except Exception:  # malformed encoded words, unknown charsets
        return str(raw).encode("utf-8", "replace").decode("utf-8", "replace").strip()


def _ids(text: str) -> list[str]:
    return re.findall(r"<[^<>\s]{1,250}>", text)


def automatic(msg: Message, sender: str, subject: str) -> str | None:
    """Why ``msg`` was written by a machine (an auto-reply, a bounce, a receipt), if it was."""
    submitted = header(msg, "Auto-Submitted").lower()
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted[:40]}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoreply-From", "X-Autoresponder"):
        if msg.get(name) is not None:
            return name
    precedence = header(msg, "Precedence").lower()
    if precedence in ("auto_reply", "bulk", "junk", "list"):
        return f"Precedence: {precedence}"
    if msg.get_content_type() == "multipart/report":
        kind = msg.get_param("report-type") or "report"
        return f"multipart/report ({kind})"
    if sender.startswith(BOUNCE_SENDERS) or header(msg, "Return-Path") == "<>":
        return "bounce (null sender or mailer-daemon)"
    if AUTO_SUBJECTS.match(subject):
        return "auto-reply subject"
    return None


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self.skip += 1
        elif tag in ("br", "p", "div", "tr", "li", "blockquote", "h1", "h2", "h3"):
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head") and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(data)


def html_text(markup: str) -> str:
    """The readable text of an HTML part (quoted ``<blockquote>`` kept as text to strip)."""
    parser = _Text()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # broken markup: the tags go, the text stays
        return html.unescape(re.sub(r"<[^>]*>", " ", markup))
    return re.sub(r"\n{3,}", "\n\n", "".join(parser.out))


def _decode(part: Message, defects: list[str]) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset)
    except (LookupError, UnicodeDecodeError):
        pass
    try:
        text = payload.decode("utf-8")
        defects.append(f"charset {charset[:30]!r} wrong or unknown: read as UTF-8")
        return text
    except UnicodeDecodeError:
        # the commonest lie: Windows-1252/Latin-1 bytes labelled UTF-8 (never fails)
        defects.append(f"charset {charset[:30]!r} wrong or unknown: read as Latin-1")
        return payload.decode("latin-1")


def body_text(msg: Message, defects: list[str]) -> tuple[str, tuple[str, ...]]:
    """The message's text (its first plain part, else its first HTML part) and the names of
    its attachments."""
    plain: str | None = None
    markup: str | None = None
    names: list[str] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        disposition = (part.get("Content-Disposition") or "").lower()
        try:
            filename = part.get_filename()
        except Exception:
            filename = None
        if filename or disposition.startswith("attachment"):
            names.append(str(make_header(decode_header(filename))) if filename else "attachment")
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and plain is None:
            plain = _decode(part, defects)
        elif kind == "text/html" and markup is None:
            markup = _decode(part, defects)
    if plain is not None and plain.strip():
        return plain, tuple(names)
    if markup is not None:
        return html_text(markup), tuple(names)
    if plain is None and isinstance(msg.get_payload(), str):
        # a multipart whose boundary never comes: its body is all there is to read
        defects.append("no readable MIME part: the body read as text")
        return _decode(msg, defects), tuple(names)
    return plain or "", tuple(names)


def new_text(text: str) -> str:
    """``text`` without the quoted history and the signature below the new words."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        if any(p.match(line) for p in QUOTE_HEADERS):
            break
        # "On Mon, 7 Dec 2026 at 10:00, Support\n<support@acme.example> wrote:"
        if (
            line.strip().startswith("On ")
            and i + 1 < len(lines)
            and lines[i + 1].rstrip().endswith("wrote:")
        ):
            break
        if OUTLOOK_FROM.match(line) and any(OUTLOOK_NEXT.match(n) for n in lines[i + 1 : i + 4]):
            break
        if any(p.match(line) for p in SIGNATURES):
            break
        if line.lstrip().startswith(">"):
            continue
        out.append(line.rstrip())
    return "\n".join(out).strip()


def read(raw: bytes) -> Incoming:
    """Everything syncd reads from one received message, from its raw bytes."""
    defects: list[str] = []
    try:
        msg = message_from_bytes(raw)
    except Exception as exc:  # the parser is lenient; this is the last guard
        return Incoming("", "", "", (), None, "unreadable message", "", (), (repr(exc)[:80],))
    defects += [type(d).__name__ for d in getattr(msg, "defects", [])][:5]
    subject = header(msg, "Subject")
    try:
        pairs = getaddresses([header(msg, "From")])
        sender = next((a for _, a in pairs if "@" in a), "").lower()
    except Exception:
        sender = ""
    try:
        date = parsedate_to_datetime(header(msg, "Date")) if msg.get("Date") else None
    except (TypeError, ValueError, IndexError):
        date = None
    why = automatic(msg, sender, subject)
    text, names = body_text(msg, defects)
    ids = _ids(header(msg, "In-Reply-To")) + _ids(header(msg, "References"))
    return Incoming(
        message_id=(_ids(header(msg, "Message-ID")) or [""])[0],
        subject=subject,
        sender=sender,
        in_reply_to=tuple(dict.fromkeys(ids)),
        date=date,
        automatic=why,
        text=new_text(text),
        attachments=names,
        defects=tuple(defects),
    )
