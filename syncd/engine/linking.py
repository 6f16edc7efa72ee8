"""Issue references pasted by agents: a URL or a key, to the ref of a tracker's issue. Pure.

Each tracker kind says which texts name its issues (``ConnectorSpec.issue_reference``); the
instance is the one of that kind, the route's target first when several could take it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from syncd.model import Ref, Ticket

Reference = Callable[[str], "str | None"]


def parse_issue(
    text: str,
    kinds: Mapping[str, str],
    references: Mapping[str, Reference],
    prefer: str | None = None,
) -> Ref | None:
    """The issue ``text`` points at, on a tracker instance of ``kinds`` (instance -> kind)
    whose kind's ``references`` reads it."""
    text = text.strip()
    for name in sorted(kinds, key=lambda n: n != prefer):  # the preferred instance first
        read = references.get(kinds[name])
        key = read(text) if read is not None else None
        if key:
            return Ref.issue(name, key)
    return None


def requested_issue(
    ticket: Ticket,
    *,
    field: str | None,
    tag_prefix: str | None,
    kinds: Mapping[str, str],
    references: Mapping[str, Reference],
    prefer: str | None = None,
) -> Ref | None:
    """The issue an agent asked to link the ticket to, by field or by tag, if any."""
    if field and ticket.fields.get(field):
        ref = parse_issue(ticket.fields[field], kinds, references, prefer)
        if ref is not None:
            return ref
    if tag_prefix:
        for tag in sorted(ticket.tags):
            if tag.startswith(tag_prefix) and len(tag) > len(tag_prefix):
                ref = parse_issue(tag[len(tag_prefix) :], kinds, references, prefer)
                if ref is not None:
                    return ref
    return None
