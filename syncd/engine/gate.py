"""The outgoing-text gate: what syncd writes toward a tracker the public may read.

:func:`outgoing` is the first step of :func:`syncd.engine.execute.perform`, the one place
every action reaches a connector through, so no planner has to remember privacy. It walks the
action and every model inside it (the issue draft, the files of a copy) and redacts
each text it finds: a ``str``, or the ``str`` items of a tuple, set or mapping. Only the
fields named in :data:`VERBATIM` are left alone, each an identifier or a name from the config
that the tracker must receive as it is; a field added later is redacted unless it is listed
there. Binary content (``bytes``) is not scanned: an attachment's file name is, its bytes are
not.

What decides:
- writes to a helpdesk are never redacted (the customer's data stays where it came from), nor
  are actions that write no text anywhere (:data:`QUIET`), except a developer's reply to the
  customer (:data:`TO_CUSTOMER`): public text, redacted unless the route says ``never``;
- the route's ``privacy.redact``: ``never``, ``always``, or ``auto``;
- with ``auto``, ``privacy.public`` when the admin set it, else the tracker's answer
  (``Visibility``); a tracker that cannot tell, or a refused read, counts as public. A
  transient failure of that read fails the action, which is retried like any other.
The tracker is only asked when something would be redacted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import structlog
from pydantic import BaseModel

from syncd.connector import Capability, Connector, HelpdeskConnector, Visibility
from syncd.engine.actions import Action, ActionKind
from syncd.engine.redact import Found, Pattern, compile_patterns, scan
from syncd.errors import PermanentError
from syncd.model import FileRef, IssueDraft, Ref, RefKind
from syncd.workflow import Privacy

log = structlog.get_logger("syncd.gate")
TO_CUSTOMER = "dev_to_customer"  # a developer's reply to the customer (``handoff``)

# kinds that write no text: reads, local bookkeeping, a deletion
QUIET: frozenset[ActionKind] = frozenset(
    {
        ActionKind.VERIFY_ISSUE,
        ActionKind.RELINK,
        ActionKind.LINK_ISSUE,
        ActionKind.SEARCH_DUPLICATES,
        ActionKind.SET_LINK,
        ActionKind.DELETE_COMMENT,
        ActionKind.CATCH_UP,
        ActionKind.SHARE_HISTORY,
    }
)

# fields written as they are: keys syncd finds its objects by, the engine's own vocabulary,
# and names from the config that the tracker must recognise (labels, types, components,
# accounts, the link back to the ticket)
VERBATIM: Mapping[type[BaseModel], frozenset[str]] = {
    Action: frozenset(
        {
            "key",
            "lane",
            "route",
            "status",
            "status_over",
            "link_state",
            "tier",
            "marker",
            "message",
            "add_tags",
            "remove_tags",
        }
    ),
    IssueDraft: frozenset({"labels", "issue_type", "components", "assignee", "origin_url"}),
    # a file's name is text the tracker shows; its id and address are how it is read
    FileRef: frozenset({"id", "url", "content_type"}),
}

# how the agent's note names the fields of a draft (the link back some trackers keep repeats
# the ticket's subject: the note counts it with the title)
FIELD_WORDS = {
    "draft.title": "title",
    "draft.body": "description",
    "draft.origin_title": "title",
    "body": "text",
}


@dataclass(frozen=True)
class Redactions:
    """What the gate removed from one action: distinct values by kind, never the values."""

    counts: Mapping[str, int]
    fields: tuple[str, ...]  # paths of the fields it changed: "draft.title", "body", ...
    project: str  # the target project, as the tracker names it
    public: bool | None  # the target was found (or declared) public; None: redact always

    def detail(self) -> dict[str, Any]:
        """The audit row's detail."""
        return {
            "counts": dict(self.counts),
            "fields": list(self.fields),
            "project": self.project,
            "public": self.public,
        }


def bound_for_tracker(action: Action, connectors: Mapping[str, Connector]) -> bool:
    """Whether ``action`` may write text to something other than a helpdesk."""
    if action.kind in QUIET:
        return False
    return not isinstance(connectors.get(action.target.connector), HelpdeskConnector)


def may_redact(action: Action, connectors: Mapping[str, Connector]) -> bool:
    """Whether the gate may change ``action`` under some route's privacy: a write toward a
    tracker, or a developer's public reply to the customer."""
    to_customer = action.message == TO_CUSTOMER and action.public
    return to_customer or bound_for_tracker(action, connectors)


def carries_text(value: Any) -> bool:
    """Whether ``value`` holds any text the gate would scan (a label update holds none)."""
    if isinstance(value, Enum | Ref) or value is None:
        return False
    if isinstance(value, str):
        return bool(value)
    if isinstance(value, BaseModel):
        skip = _verbatim(type(value))
        return any(
            carries_text(getattr(value, name))
            for name in type(value).model_fields
            if name not in skip
        )
    if isinstance(value, tuple | list | frozenset | set):
        return any(carries_text(v) for v in value)
    if isinstance(value, dict):
        return any(carries_text(v) for v in value.values())
    return False


def _verbatim(cls: type[BaseModel]) -> frozenset[str]:
    return frozenset().union(*(VERBATIM.get(c, frozenset()) for c in cls.__mro__))


def outgoing(
    action: Action, connectors: Mapping[str, Connector], privacy: Privacy
) -> tuple[Action, Redactions | None]:
    """The action as it may be written, and what was redacted from it (None: nothing)."""
    if privacy.redact == "never" or not may_redact(action, connectors):
        return action, None
    to_customer = action.message == TO_CUSTOMER and action.public
    found = Found()
    changed: list[str] = []
    cleaned = _clean(action, compile_patterns(privacy.patterns), found, "", changed)
    if not found:
        return action, None
    conn = connectors.get(action.target.connector)
    public: bool | None = None
    if to_customer:
        public = True
    elif privacy.redact == "auto":
        public = privacy.public if isinstance(privacy.public, bool) else _public(conn, action)
        if not public:
            return action, None
    assert isinstance(cleaned, Action)
    return cleaned, Redactions(
        found.counts(), tuple(dict.fromkeys(changed)), _project(conn, action), public
    )


def _where(action: Action) -> Ref:
    """The ref whose project the text lands in (a comment's issue for a comment)."""
    if action.target.kind == RefKind.COMMENT and action.parent is not None:
        return action.parent
    return action.target


def _project(conn: Connector | None, action: Action) -> str:
    ref = _where(action)
    if ref.kind == RefKind.PROJECT or not isinstance(conn, Visibility):
        return ref.key
    try:
        return conn.project_of(ref)
    except ValueError:
        return ref.key


def _public(conn: Connector | None, action: Action) -> bool:
    """The tracker's answer; True when it cannot give one (fail safe)."""
    return public_at(conn, _where(action))


def is_public(conn: Connector | None, ref: Ref, privacy: Privacy) -> bool:
    """Whether the public may read what is written at ``ref`` (an issue or a project): the
    admin's ``privacy.public`` when set, else the tracker's answer."""
    if isinstance(privacy.public, bool):
        return privacy.public
    return public_at(conn, ref)


def public_at(conn: Connector | None, ref: Ref) -> bool:
    """The tracker's answer for ``ref``; True when it cannot give one (fail safe)."""
    if conn is None or Capability.VISIBILITY not in conn.capabilities:
        return True
    if not isinstance(conn, Visibility):
        return True
    try:
        project = ref.key if ref.kind == RefKind.PROJECT else conn.project_of(ref)
        return conn.is_public(project)
    except (PermanentError, ValueError) as exc:
        log.warning("gate.visibility_unknown", target=str(ref), error=str(exc), redact=True)
        return True


def _clean(
    value: Any, patterns: tuple[Pattern, ...], found: Found, path: str, changed: list[str]
) -> Any:
    """``value`` with every text in it redacted; the very same object when nothing changed."""
    if isinstance(value, Enum | Ref):
        return value  # the engine's vocabulary and identities
    if isinstance(value, str):
        out = scan(value, patterns, found)
        if out == value:
            return value
        changed.append(path)
        return out
    if isinstance(value, BaseModel):
        skip = _verbatim(type(value))
        update = {}
        for name in type(value).model_fields:
            if name in skip:
                continue
            old = getattr(value, name)
            new = _clean(old, patterns, found, f"{path}.{name}" if path else name, changed)
            if new is not old:
                update[name] = new
        return value.model_copy(update=update) if update else value
    if isinstance(value, tuple | list | frozenset | set):
        items = [_clean(v, patterns, found, path, changed) for v in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return type(value)(items)
    if isinstance(value, dict):
        cleaned = {k: _clean(v, patterns, found, f"{path}.{k}", changed) for k, v in value.items()}
        if all(cleaned[k] is v for k, v in value.items()):
            return value
        return cleaned
    return value  # numbers, booleans, None, bytes
