"""Issue references pasted by agents: URLs and keys to the ref of a tracker's issue. Pure.

GitHub forms: ``https://github.com/owner/repo/issues/42``, ``owner/repo#42``. Jira forms:
``https://jira.example.com/browse/ABC-12``, ``ABC-12``. The tracker instance is the one of the
given kind; when several trackers share a kind, the route's target decides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from syncd.model import Ref, Ticket

GITHUB_URL = re.compile(r"https?://[^\s/]+/(?:repos/)?([\w.-]+/[\w.-]+)/issues/(\d+)")
GITHUB_KEY = re.compile(r"^([\w.-]+/[\w.-]+)#(\d+)$")
JIRA_URL = re.compile(r"https?://\S+/browse/([A-Z][A-Z0-9_]+-\d+)")
JIRA_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9_]+-\d+)$")


def parse_issue(text: str, kinds: Mapping[str, str], prefer: str | None = None) -> Ref | None:
    """The issue ``text`` points at, on a tracker of ``kinds`` (instance -> kind)."""
    text = text.strip()
    found: tuple[str, str] | None = None
    if m := GITHUB_URL.search(text) or GITHUB_KEY.match(text):
        found = ("github", f"{m.group(1)}#{m.group(2)}")
    elif m := JIRA_URL.search(text) or JIRA_KEY.match(text):
        found = ("jira", m.group(1).upper())
    if found is None:
        return None
    kind, key = found
    names = [n for n, k in kinds.items() if k == kind]
    if not names:
        return None
    name = prefer if prefer in names else names[0]
    return Ref.issue(name, key)


def requested_issue(
    ticket: Ticket,
    *,
    field: str | None,
    tag_prefix: str | None,
    kinds: Mapping[str, str],
    prefer: str | None = None,
) -> Ref | None:
    """The issue an agent asked to link the ticket to, by field or by tag, if any."""
    if field and ticket.fields.get(field):
        ref = parse_issue(ticket.fields[field], kinds, prefer)
        if ref is not None:
            return ref
    if tag_prefix:
        for tag in sorted(ticket.tags):
            if tag.startswith(tag_prefix) and len(tag) > len(tag_prefix):
                ref = parse_issue(tag[len(tag_prefix) :], kinds, prefer)
                if ref is not None:
                    return ref
    return None
