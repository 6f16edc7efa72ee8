"""Pure mapping between a case's filed mail and the canonical issue and comments.

A case is the sequence of messages syncd files under one id in the case folder, each an
*event*: ``open`` (the mail that opened the case), ``sent`` (a later mail to the supplier),
``update`` (a change syncd made: status, priority, labels, title), ``reply`` (a supplier's
answer, read from the inbox). Each carries ``X-Syncd-Case``, ``X-Syncd-Event`` and its data as
base64 JSON in ``X-Syncd-Data``; the issue is the fold of its events in the order they were
filed (their UIDs).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syncd.model import Comment, Issue, IssueStatus, Priority, Ref

CASE = "X-Syncd-Case"
EVENT = "X-Syncd-Event"
DATA = "X-Syncd-Data"
KEY = "X-Syncd-Key"
SOURCE = "X-Syncd-Source"
UNSENT = "$SyncdUnsent"  # keyword of a filed mail that SMTP has not yet accepted
SEEN = "$SyncdSeen"  # keyword of an inbox message syncd has read (filed or refused)
ID_LEN = 10
ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")  # a supplier, as routes name it


def case_id(prefix: str) -> str:
    """A new case id: ``SYN-`` and 10 base32 letters (50 bits) from the system's CSPRNG, so
    nobody can guess another case's id from the ones they have seen."""
    return f"{prefix}-{base64.b32encode(secrets.token_bytes(8)).decode()[:ID_LEN]}"


def id_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"\b({re.escape(prefix)}-[A-Z2-7]{{{ID_LEN}}})\b")


def reference(case: str) -> str:
    """What subjects carry: ``[case SYN-XXXXXXXXXX]``."""
    return f"[case {case}]"


def subject_case(subject: str, prefix: str) -> str | None:
    """The case id a subject's reference names, if any."""
    found = re.search(rf"\[case ({re.escape(prefix)}-[A-Z2-7]{{{ID_LEN}}})\]", subject)
    return found.group(1) if found else None


def header_case(ids: Sequence[str], prefix: str, domain: str) -> str | None:
    """The case a reply's ``In-Reply-To``/``References`` point at: a Message-ID syncd minted
    (``<SYN-XXXXXXXXXX.<n>@<syncd's domain>>``)."""
    mine = re.compile(
        rf"^<({re.escape(prefix)}-[A-Z2-7]{{{ID_LEN}}})\.[^@>]+@{re.escape(domain)}>$",
        re.IGNORECASE,
    )
    for mid in ids:
        found = mine.match(mid)
        if found:
            return found.group(1).upper()
    return None


def same_sender(sender: str, supplier: str, rule: str) -> bool:
    """Whether ``sender`` may answer a case sent to ``supplier`` (``rule``: domain|address)."""
    sender, supplier = sender.lower(), supplier.lower()
    if not sender or "@" not in sender:
        return False
    if rule == "address":
        return sender == supplier
    return sender.rsplit("@", 1)[1] == supplier.rsplit("@", 1)[1]


def pack(data: dict[str, Any]) -> str:
    """``X-Syncd-Data``: base64 JSON folded into header lines."""
    text = base64.b64encode(json.dumps(data, sort_keys=True).encode()).decode()
    return "\r\n ".join(text[i : i + 76] for i in range(0, len(text), 76))


def unpack(value: str) -> dict[str, Any]:
    try:
        data = json.loads(base64.b64decode(re.sub(r"\s+", "", value)))
    except (ValueError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class Event:
    """One filed message of a case."""

    uid: int
    case: str
    kind: str  # open | sent | update | reply
    data: dict[str, Any]
    at: datetime | None
    key: str | None = None
    unsent: bool = False


def issue_ref(instance: str, case: str) -> Ref:
    return Ref.issue(instance, case)


def comment_ref(instance: str, case: str, uid: int) -> Ref:
    return Ref.comment(instance, f"{case}/{uid}")


def fold(instance: str, events: Sequence[Event], url: str) -> Issue | None:
    """The case as an issue (None when its ``open`` event is not filed)."""
    ordered = sorted(events, key=lambda e: e.uid)
    opened = next((e for e in ordered if e.kind == "open"), None)
    if opened is None:
        return None
    d = opened.data
    status = IssueStatus.TODO
    title, body = str(d.get("title", "")), str(d.get("body", ""))
    prio = d.get("priority")
    labels = set(d.get("labels") or [])
    assignee: str | None = None
    for e in ordered:
        if e.kind == "update":
            u = e.data
            if u.get("status"):
                status = IssueStatus(u["status"])
            if "priority" in u:
                prio = u["priority"]
            labels |= set(u.get("add_labels") or [])
            labels -= set(u.get("remove_labels") or [])
            title = str(u.get("title", title))
            body = str(u.get("body", body))
        elif e.kind == "reply":
            assignee = assignee or str(e.data.get("from") or "") or None
            if e.data.get("resolved") and not status.is_closed:
                status = IssueStatus.DONE
            elif status == IssueStatus.TODO:
                status = IssueStatus.IN_PROGRESS  # the supplier's first answer
    return Issue(
        ref=issue_ref(instance, opened.case),
        title=title,
        body=body,
        status=status,
        priority=Priority(prio) if prio else None,
        labels=frozenset(labels),
        assignee=assignee,
        url=url,
        created_at=opened.at,
        updated_at=max((e.at for e in ordered if e.at), default=opened.at),
        marker=opened.key,
    )


def comments(instance: str, events: Sequence[Event], me: str) -> list[Comment]:
    """The case's conversation: syncd's mails after the first, and the supplier's replies."""
    out: list[Comment] = []
    for e in sorted(events, key=lambda e: e.uid):
        if e.kind not in ("sent", "reply"):
            continue
        parent = issue_ref(instance, e.case)
        mine = e.kind == "sent"
        out.append(
            Comment(
                ref=comment_ref(instance, e.case, e.uid),
                parent=parent,
                author=me if mine else str(e.data.get("from", "")),
                body=str(e.data.get("body" if mine else "text", "")),
                public=bool(e.data.get("public", True)),
                created_at=e.at,
                updated_at=e.at,
                marker=e.key if mine else None,
                by_syncd=mine,
                attachments=tuple(e.data.get("attachments") or ()),
            )
        )
    return out


def changes(
    issue: Issue,
    status: IssueStatus | None,
    priority: Priority | None,
    add_labels: Sequence[str],
    remove_labels: Sequence[str],
    title: str | None,
    body: str | None,
) -> dict[str, Any]:
    """What an ``update`` event records: only what differs from ``issue``."""
    change: dict[str, Any] = {}
    if status is not None and status != issue.status:
        change["status"] = status.value
    if priority is not None and priority != issue.priority:
        change["priority"] = priority.value
    if set(add_labels) - issue.labels:
        change["add_labels"] = sorted(set(add_labels) - issue.labels)
    if set(remove_labels) & issue.labels:
        change["remove_labels"] = sorted(set(remove_labels) & issue.labels)
    if title is not None and title != issue.title:
        change["title"] = title
    if body is not None and body != issue.body:
        change["body"] = body
    return change
