"""Pure conversions between Jira's JSON (REST v2 and v3, webhooks) and canonical values.

Statuses and workflow transitions are :mod:`connectors.jira.statuses`' (re-exported here)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.jira import adf, wiki
from connectors.jira.files import files_from_raw
from connectors.jira.statuses import (
    category_of,
    needs_resolution,
    pick_transition,
    required_fields,
    status_of,
)
from syncd.model import Comment, Issue, Priority, Ref

Raw = Mapping[str, Any]

PROPERTY = "syncd"  # entity property holding syncd's idempotency key
SD_PUBLIC = "sd.public.comment"  # Jira Service Management's internal-comment property
# the fields syncd reads of an issue (a poll adds its comments)
ISSUE_FIELDS = [
    "summary",
    "description",
    "status",
    "resolution",
    "priority",
    "labels",
    "assignee",
    "fixVersions",
    "created",
    "updated",
    "project",
    "attachment",
]

# well-known priority names that a route's map may leave out
_PRIORITY_FALLBACK = {
    "highest": Priority.URGENT,
    "blocker": Priority.URGENT,
    "critical": Priority.URGENT,
    "high": Priority.HIGH,
    "major": Priority.HIGH,
    "medium": Priority.NORMAL,
    "normal": Priority.NORMAL,
    "low": Priority.LOW,
    "lowest": Priority.LOW,
    "minor": Priority.LOW,
    "trivial": Priority.LOW,
}


def parse_time(value: Any) -> datetime | None:
    """Parse Jira's ``2019-02-15T19:15:40.470-0800`` (or epoch milliseconds)."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    try:
        return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def format_time(at: datetime) -> str:
    """Format a datetime the way Jira writes it."""
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}" + at.strftime("%z")


def body_to_markdown(body: Any) -> str:
    """A description or comment body (ADF dict or wiki string) as Markdown."""
    if isinstance(body, Mapping):
        return adf.to_markdown(dict(body))
    if isinstance(body, str):
        return wiki.to_markdown(body)
    return ""


def markdown_to_body(markdown: str, flavour: str) -> Any:
    """Markdown as the body format of the flavour's REST API (v3 ADF, v2 wiki)."""
    return adf.from_markdown(markdown) if flavour == "cloud" else wiki.from_markdown(markdown)


def priority_of(name: str | None, names: Mapping[Priority, str]) -> Priority | None:
    """The canonical priority for a Jira priority name; the route map wins."""
    if not name:
        return None
    for canonical, jira_name in names.items():
        if jira_name.casefold() == name.casefold():
            return canonical
    return _PRIORITY_FALLBACK.get(name.casefold())


def user_name(user: Raw | None) -> str:
    """The stable account id of a user (Cloud accountId, DC name/key)."""
    if not user:
        return ""
    return str(user.get("accountId") or user.get("name") or user.get("key") or "")


def issue_marker(raw: Raw) -> str | None:
    """The idempotency key syncd stored on an issue, if the read asked for it."""
    props = raw.get("properties") or {}
    value = props.get(PROPERTY) if isinstance(props, Mapping) else None
    return str(value["key"]) if isinstance(value, Mapping) and value.get("key") else None


def issue_from_raw(
    connector: str,
    raw: Raw,
    *,
    base_url: str,
    priorities: Mapping[Priority, str],
    bot: Iterable[str] = (),
) -> Issue:
    """A Jira issue (REST v2/v3 or webhook) as a canonical Issue."""
    fields = unwrap_fields(raw.get("fields") or {})
    key = str(raw["key"])
    assignee = fields.get("assignee")
    fix = next((v for v in fields.get("fixVersions") or [] if isinstance(v, Mapping)), {})
    return Issue(
        ref=Ref.issue(connector, key),
        title=str(fields.get("summary") or ""),
        body=body_to_markdown(fields.get("description")),
        status=status_of(fields),
        priority=priority_of((fields.get("priority") or {}).get("name"), priorities),
        labels=frozenset(fields.get("labels") or ()),
        assignee=(assignee.get("displayName") or user_name(assignee)) if assignee else None,
        milestone=fix.get("name"),
        dates={"milestone": str(fix["releaseDate"])[:10]} if fix.get("releaseDate") else {},
        url=f"{base_url.rstrip('/')}/browse/{key}",
        created_at=parse_time(fields.get("created")),
        updated_at=parse_time(fields.get("updated")),
        marker=issue_marker(raw),
        files=files_from_raw(fields.get("attachment"), bot),
    )


def unwrap_fields(fields: Raw) -> dict[str, Any]:
    """Fields of the pre-5.0 REST preview (``{"name", "type", "value"}``) as plain values."""
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, Mapping) and {"name", "type"} <= set(value) <= {
            "name",
            "type",
            "value",
        }:
            value = value.get("value")
        out[name] = value
    return out


def comment_key(issue_id: str | int, comment_id: str | int) -> str:
    """A comment ref key that survives an issue move: ``<issue id>/<comment id>``."""
    return f"{issue_id}/{comment_id}"


def comment_properties(raw: Raw) -> dict[str, Any]:
    """A comment's properties as a dict, from ``expand=properties`` or a webhook."""
    props = raw.get("properties") or []
    if isinstance(props, Mapping):
        return dict(props)
    return {str(p.get("key")): p.get("value") for p in props if isinstance(p, Mapping)}


def is_public(raw: Raw) -> bool:
    """A comment is public unless restricted to a role/group or marked JSM-internal."""
    if raw.get("visibility") or raw.get("roleLevel") or raw.get("groupLevel"):
        return False
    if raw.get("jsdPublic") is False:
        return False
    sd = comment_properties(raw).get(SD_PUBLIC)
    return not (isinstance(sd, Mapping) and sd.get("internal"))


def comment_from_raw(
    connector: str,
    parent: Ref,
    issue_id: str | int,
    raw: Raw,
    *,
    bot: Iterable[str] = (),
) -> Comment:
    """A Jira comment as a canonical Comment under ``parent``."""
    marker = comment_properties(raw).get(PROPERTY)
    author = raw.get("author") or {}
    return Comment(
        ref=Ref.comment(connector, comment_key(issue_id, raw["id"])),
        parent=parent,
        author=author.get("displayName") or user_name(author),
        body=body_to_markdown(raw.get("body")),
        public=is_public(raw),
        created_at=parse_time(raw.get("created")),
        updated_at=parse_time(raw.get("updated")),
        marker=str(marker["key"]) if isinstance(marker, Mapping) and "key" in marker else None,
        by_syncd=bool(user_name(author)) and user_name(author) in set(bot),
    )


def issue_id_from_comment(raw: Raw) -> str | None:
    """The issue id in a comment's ``self`` URL (``.../issue/10013/comment/10082``)."""
    parts = str(raw.get("self") or "").rstrip("/").split("/")
    if "issue" in parts:
        idx = parts.index("issue") + 1
        if idx < len(parts) and parts[idx] != "comment":
            return parts[idx]
    return None


_ISSUE_URL = re.compile(r"https?://\S+/browse/([A-Z][A-Z0-9_]+-\d+)")
_ISSUE_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9_]+-\d+)$")


def issue_reference(text: str) -> str | None:
    """The issue key (``ABC-12``) that an agent's pasted text names: a ``/browse/`` URL or
    the key itself."""
    if m := _ISSUE_URL.search(text) or _ISSUE_KEY.match(text.strip()):
        return m.group(1).upper()
    return None


__all__ = [
    "ISSUE_FIELDS",
    "PROPERTY",
    "SD_PUBLIC",
    "body_to_markdown",
    "category_of",
    "comment_from_raw",
    "comment_key",
    "comment_properties",
    "format_time",
    "is_public",
    "issue_from_raw",
    "issue_id_from_comment",
    "issue_marker",
    "issue_reference",
    "markdown_to_body",
    "needs_resolution",
    "parse_time",
    "pick_transition",
    "priority_of",
    "required_fields",
    "status_of",
    "unwrap_fields",
    "user_name",
]
