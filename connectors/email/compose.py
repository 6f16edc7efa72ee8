"""Building the mail syncd sends and files: pure, the caller brings ids and times.

An outgoing mail is a plain UTF-8 text message with a Message-ID that names its case
(``<SYN-XXXXXXXXXX.<token>@<syncd's domain>>``), the case reference in its subject, and
``In-Reply-To``/``References`` to the thread. What syncd files is the same bytes with its own
``X-Syncd-*`` headers in front; they are taken off again before anything goes out.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from typing import Any

from jinja2 import Environment, StrictUndefined

from syncd.model import IssueDraft, IssueStatus

from . import mapping
from .mapping import Event
from .settings import EmailSettings

_env = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


def render(template: str, **values: Any) -> str:
    return _env.from_string(template).render(**values)


def message_id(case: str, key: str, domain: str) -> str:
    """The same key always gives the same Message-ID: a resend is recognisably the same mail."""
    token = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"<{case}.{token}@{domain}>"


def subject(title: str, case: str, *, reply: bool) -> str:
    clean = re.sub(r"[\r\n\t]+", " ", title).strip()[:180] or "Case"
    return f"{'Re: ' if reply else ''}{clean} {mapping.reference(case)}"


def mail(
    *,
    sender: str,
    display_name: str,
    to: str,
    subject_line: str,
    body: str,
    mid: str,
    thread: Sequence[str],
    at: datetime,
) -> bytes:
    """The outgoing message's bytes (CRLF line ends, ready for SMTP)."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = formataddr((display_name, sender))
    msg["To"] = to
    msg["Subject"] = subject_line
    msg["Message-ID"] = mid
    msg["Date"] = format_datetime(at)
    if thread:
        msg["In-Reply-To"] = thread[-1]
        msg["References"] = " ".join(list(thread)[-10:])
    # ask Exchange-style responders not to answer with an out-of-office note
    msg["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    msg.set_content(body, charset="utf-8", cte="quoted-printable")
    return msg.as_bytes()


def filed(
    case: str,
    kind: str,
    data: dict[str, Any],
    raw: bytes,
    *,
    key: str | None = None,
    source: str | None = None,
) -> bytes:
    """``raw`` with syncd's event headers in front."""
    lines = [f"{mapping.CASE}: {case}", f"{mapping.EVENT}: {kind}"]
    if key is not None:
        lines.append(f"{mapping.KEY}: {key}")
    if source is not None:
        lines.append(f"{mapping.SOURCE}: {source}")
    lines.append(f"{mapping.DATA}: {mapping.pack(data)}")
    return ("\r\n".join(lines) + "\r\n").encode() + raw


def note(case: str, sender: str, what: str, at: datetime) -> bytes:
    """The small message an ``update`` event rides on (never sent)."""
    return (
        f"From: {sender}\r\nTo: {sender}\r\nSubject: {mapping.reference(case)} {what}\r\n"
        f"Date: {format_datetime(at)}\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{what}\r\n"
    ).encode()


def outgoing(raw: bytes) -> bytes:
    """A filed mail without syncd's own headers: what goes to the supplier."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    kept: list[bytes] = []
    dropping = False
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                kept.append(line)
            continue
        dropping = line.lower().startswith(b"x-syncd-")
        if not dropping:
            kept.append(line)
    return b"\r\n".join(kept) + sep + body


def hint(s: EmailSettings) -> str:
    """How a supplier says a case is solved, for the templates."""
    options = [f'"{t}" in the subject' for t in s.resolve_tags]
    options += [f'a line starting with "{k}"' for k in s.resolve_keywords]
    return " or ".join(options)


def opening(
    s: EmailSettings, case: str, key: str, to: str, draft: IssueDraft, at: datetime
) -> tuple[bytes, dict[str, Any]]:
    """The mail that opens ``case`` (from ``case_template``) and its event data."""
    mid = message_id(case, key, s.domain)
    prio = draft.priority.value if draft.priority else None
    text = render(
        s.case_template,
        body=draft.body,
        title=draft.title,
        reference=mapping.reference(case),
        sender=s.display_name,
        resolve_hint=hint(s),
        priority=prio or "",
    )
    raw = mail(
        sender=s.address,
        display_name=s.display_name,
        to=to,
        subject_line=subject(draft.title, case, reply=False),
        body=text,
        mid=mid,
        thread=(),
        at=at,
    )
    data = {
        "title": draft.title,
        "body": draft.body,
        "to": to,
        "priority": prio,
        "labels": sorted(draft.labels),
        "message_id": mid,
    }
    return raw, data


def status_notice(
    s: EmailSettings,
    case: str,
    title: str,
    status: IssueStatus,
    events: Sequence[Event],
    at: datetime,
) -> tuple[bytes, dict[str, Any]]:
    """The mail telling the supplier that syncd closed or reopened ``case``
    (``status_template``), in the thread; the token of its Message-ID is random."""
    body = render(
        s.status_template,
        status=status.value,
        closed=status.is_closed,
        reference=mapping.reference(case),
        title=title,
        sender=s.display_name,
    )
    return follow_up(
        s, case, f"status:{secrets.token_hex(8)}", title, body, events, at, template="{{ body }}"
    )


def follow_up(
    s: EmailSettings,
    case: str,
    key: str,
    title: str,
    body: str,
    events: Sequence[Event],
    at: datetime,
    template: str | None = None,
) -> tuple[bytes, dict[str, Any]]:
    """A later mail of ``case`` (from ``comment_template``), in reply to the thread's last."""
    opened = next(e for e in events if e.kind == "open")
    to = str(opened.data.get("to", ""))
    thread = [
        str(e.data.get("message_id") or "")
        for e in sorted(events, key=lambda e: e.uid)
        if e.kind in ("open", "sent", "reply", "update")
    ]
    mid = message_id(case, key, s.domain)
    text = render(
        template or s.comment_template,
        body=body,
        title=title,
        reference=mapping.reference(case),
        sender=s.display_name,
        resolve_hint=hint(s),
        priority="",
    )
    raw = mail(
        sender=s.address,
        display_name=s.display_name,
        to=to,
        subject_line=subject(title, case, reply=True),
        body=text,
        mid=mid,
        thread=[t for t in thread if t],
        at=at,
    )
    return raw, {"to": to, "body": body, "message_id": mid}
