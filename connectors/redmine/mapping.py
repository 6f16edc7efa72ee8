"""Pure mapping between Redmine's REST JSON and syncd's canonical values.

Issue keys are Redmine's issue ids (``"123"``, unique across projects); a journal (a note) is
``"<issue id>#note-<journal id>"``. syncd's idempotency key rides at the end of what it
writes as an HTML comment (``<!-- syncd:key=... -->``), which Redmine's Markdown formatters
do not show.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from syncd.model import Comment, Issue, IssueStatus, Priority, Ref

from .settings import RedmineSettings

_MARKER = re.compile(r"\s*<!--\s*syncd:key=([\w.:-]+)\s*-->\s*$")
_COMMENT_KEY = re.compile(r"^(\d+)#note-(\d+)$")


@dataclass(frozen=True)
class Rules:
    """What mapping needs from the connector: its name, settings and syncd's user id."""

    instance: str
    settings: RedmineSettings
    base_url: str
    me: int | None = None


def add_marker(text: str, key: str) -> str:
    """``text`` with the hidden idempotency marker at its end."""
    return f"{text.rstrip()}\n\n<!-- syncd:key={key} -->"


def split_marker(text: str | None) -> tuple[str, str | None]:
    """The text without its marker (line endings as ``\\n``), and the marker's key."""
    body = (text or "").replace("\r\n", "\n")
    match = _MARKER.search(body)
    if match is None:
        return body, None
    return body[: match.start()], match.group(1)


def parse_time(value: Any) -> datetime | None:
    """A Redmine timestamp (``2024-05-01T10:00:00Z``) as an aware datetime."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def filter_time(moment: datetime) -> str:
    """A time as Redmine's ``updated_on`` / ``created_on`` filters read it (UTC, seconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def issue_id(key: str) -> int:
    """The issue id of an issue key; ValueError if it is not one."""
    if not key.isdigit():
        raise ValueError(f"not a Redmine issue id: {key!r}")
    return int(key)


def comment_key(key: str) -> tuple[int, int]:
    """(issue id, journal id) of a comment key; ValueError if it is not one."""
    match = _COMMENT_KEY.match(key)
    if match is None:
        raise ValueError(f"not a Redmine note: {key!r}")
    return int(match.group(1)), int(match.group(2))


def _name(raw: Any) -> str:
    return str(raw.get("name") or "") if isinstance(raw, dict) else ""


def issue_status(raw: Mapping[str, Any], rules: Rules) -> IssueStatus:
    """The canonical status of an issue: by its status name, else its ``is_closed`` flag."""
    status = raw.get("status") or {}
    known = rules.settings.statuses().get(_name(status).lower())
    if known is not None:
        return known
    return IssueStatus.DONE if status.get("is_closed") else IssueStatus.TODO


def priority_of(raw: Mapping[str, Any], rules: Rules) -> Priority | None:
    """The canonical priority of an issue's priority name, if mapped."""
    return rules.settings.priorities().get(_name(raw.get("priority")).lower())


def custom_value(raw: Mapping[str, Any], name: str | None) -> str | None:
    """The value of the issue custom field called ``name``, if the issue carries it."""
    for field in raw.get("custom_fields") or ():
        if isinstance(field, dict) and name and field.get("name") == name:
            value = field.get("value")
            return ", ".join(map(str, value)) if isinstance(value, list) else value
    return None


def split_labels(value: str | None) -> frozenset[str]:
    """Labels kept comma-separated in a text field."""
    return frozenset(p.strip() for p in (value or "").split(",") if p.strip())


def join_labels(labels: Iterable[str]) -> str:
    """Labels as the text field keeps them."""
    return ", ".join(sorted(set(labels)))


def issue_url(base_url: str, number: int | str) -> str:
    """The web page of an issue."""
    return f"{base_url}/issues/{number}"


def issue_from_raw(raw: Mapping[str, Any], rules: Rules) -> Issue:
    """An issue as syncd sees it."""
    number = raw.get("id")
    body, marker = split_marker(raw.get("description"))
    return Issue(
        ref=Ref.issue(rules.instance, str(number)),
        title=str(raw.get("subject") or ""),
        body=body,
        status=issue_status(raw, rules),
        priority=priority_of(raw, rules),
        labels=split_labels(custom_value(raw, rules.settings.labels_field)),
        assignee=_name(raw.get("assigned_to")) or None,
        milestone=_name(raw.get("fixed_version")) or None,
        url=issue_url(rules.base_url, str(number)),
        created_at=parse_time(raw.get("created_on")),
        updated_at=parse_time(raw.get("updated_on")),
        marker=marker if _author_id(raw) == rules.me or rules.me is None else None,
    )


def _author_id(raw: Mapping[str, Any]) -> int | None:
    who = raw.get("author") or raw.get("user") or {}
    value = who.get("id") if isinstance(who, dict) else None
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


def is_note(journal: Mapping[str, Any]) -> bool:
    """Whether a journal carries a note (the rest only records field changes)."""
    return bool(str(journal.get("notes") or "").strip())


def comment_from_journal(issue: int, journal: Mapping[str, Any], rules: Rules) -> Comment:
    """A journal's note as a comment: a private note is internal."""
    body, marker = split_marker(journal.get("notes"))
    mine = rules.me is not None and _author_id(journal) == rules.me
    at = parse_time(journal.get("created_on"))
    return Comment(
        ref=Ref.comment(rules.instance, f"{issue}#note-{journal.get('id')}"),
        parent=Ref.issue(rules.instance, str(issue)),
        author=_name(journal.get("user")),
        body=body,
        public=not bool(journal.get("private_notes")),
        created_at=at,
        updated_at=parse_time(journal.get("updated_on")) or at,
        marker=marker if mine else None,
        by_syncd=mine,
    )


def notes_of(raw: Mapping[str, Any], rules: Rules) -> list[Comment]:
    """The notes of an issue read with ``include=journals``, oldest first."""
    number = int(raw.get("id") or 0)
    journals = [j for j in raw.get("journals") or () if isinstance(j, dict) and is_note(j)]
    journals.sort(key=lambda j: int(j.get("id") or 0))
    return [comment_from_journal(number, j, rules) for j in journals]


_ISSUE_URL = re.compile(r"^https?://(?P<host>[^\s/]+)(?P<path>/[^\s#?]*)?/issues/(?P<id>\d+)\b")
_ISSUE_SHORT = re.compile(r"^#(\d+)$")
# other trackers' issue pages that also end in /issues/<n>
_NOT_REDMINE = re.compile(r"github|gitlab|/-/issues/|/repos/")


def issue_reference(text: str) -> str | None:
    """The issue id an agent's pasted text names: an issue page (``.../issues/123``) or the
    short form ``#123``; None for other trackers' issue pages (GitHub, GitLab)."""
    text = text.strip()
    if m := _ISSUE_SHORT.match(text):
        return m.group(1)
    m = _ISSUE_URL.match(text)
    if m is None or _NOT_REDMINE.search(text.split("/issues/")[0] + "/issues/"):
        return None
    path = m.group("path") or ""
    # a GitHub-like /owner/repo/issues/1 has two segments; Redmine's prefix is one at most
    if path.count("/") > 1:
        return None
    return m.group("id")
