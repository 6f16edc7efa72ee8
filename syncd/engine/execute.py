"""Performing one action through its connector.

A retry (``attempt > 1``) first looks for what an earlier attempt may already have made,
by the hidden idempotency key, so a crash between the remote write and the commit never
makes a second issue or comment.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import timedelta

from syncd.connector import (
    AccessCheck,
    Capability,
    Connector,
    HelpdeskConnector,
    IssueSearch,
    TrackerConnector,
    Visibility,
)
from syncd.engine.actions import Action, ActionKind
from syncd.engine.redact import redact
from syncd.errors import ConfigError, NotFound, ReadOnly
from syncd.model import Comment, Issue, IssueStatus, Ref, RefKind, Ticket, TicketStatus

Result = Ticket | Issue | Comment | list[Issue] | None
WRITE_REFUSED = "write refused"


def _conn(connectors: Mapping[str, Connector], ref: Ref) -> Connector:
    conn = connectors.get(ref.connector)
    if conn is None:
        raise ConfigError([("", "connectors", f"no connector named {ref.connector!r}")])
    return conn


def _helpdesk(connectors: Mapping[str, Connector], ref: Ref) -> HelpdeskConnector:
    conn = _conn(connectors, ref)
    if not isinstance(conn, HelpdeskConnector):
        raise ConfigError([("", f"connectors.{ref.connector}", "is not a helpdesk")])
    return conn


def _tracker(connectors: Mapping[str, Connector], ref: Ref) -> TrackerConnector:
    conn = _conn(connectors, ref)
    if not isinstance(conn, TrackerConnector):
        raise ConfigError([("", f"connectors.{ref.connector}", "is not a tracker")])
    return conn


def perform(
    action: Action,
    connectors: Mapping[str, Connector],
    attempt: int,
    created_at_margin: timedelta = timedelta(minutes=10),
) -> Result:
    """Run ``action`` once; raise syncd errors as the connector does."""
    a = _redacted(action, connectors)
    if a.kind == ActionKind.CREATE_ISSUE:
        tracker = _tracker(connectors, a.target)
        assert a.draft is not None
        if attempt > 1:
            found = tracker.find_issue(a.target.key, a.key, None)
            if found is not None:
                return found
        return tracker.create_issue(a.target.key, a.draft, key=a.key)
    if a.kind == ActionKind.UPDATE_TICKET:
        helpdesk = _helpdesk(connectors, a.target)
        body = a.body
        if body is not None and attempt > 1 and helpdesk.find_comment(a.target, a.key):
            body = None  # the comment landed before; only the fields are left to set
        return helpdesk.update_ticket(
            a.target,
            status=TicketStatus(a.status) if a.status else None,
            priority=a.priority,
            add_tags=a.add_tags,
            remove_tags=a.remove_tags,
            comment=body,
            public=a.public,
            key=a.key if body is not None else None,
        )
    if a.kind == ActionKind.UPDATE_ISSUE:
        tracker = _tracker(connectors, a.target)
        return tracker.update_issue(
            a.target,
            status=IssueStatus(a.status) if a.status else None,
            priority=a.priority,
            add_labels=a.add_tags,
            remove_labels=a.remove_tags,
        )
    if a.kind == ActionKind.ADD_COMMENT:
        conn = _conn(connectors, a.target)
        if attempt > 1:
            earlier = conn.find_comment(a.target, a.key)
            if earlier is not None:
                return earlier
        return conn.add_comment(a.target, a.body or "", public=a.public, key=a.key)
    if a.kind == ActionKind.EDIT_COMMENT:
        assert a.parent is not None
        return _conn(connectors, a.target).edit_comment(a.target, a.parent, a.body or "")
    if a.kind == ActionKind.DELETE_COMMENT:
        assert a.parent is not None
        with contextlib.suppress(NotFound):  # already gone: the goal is reached
            _conn(connectors, a.target).delete_comment(a.target, a.parent)
        return None
    if a.kind == ActionKind.VERIFY_ISSUE:
        tracker = _tracker(connectors, a.target)
        issue = tracker.get_issue(a.target)
        if (
            (a.reason or "").startswith(WRITE_REFUSED)
            and Capability.ACCESS_CHECK in tracker.capabilities
            and isinstance(tracker, AccessCheck)
            and not tracker.can_write(issue.ref)
        ):
            raise ReadOnly("the issue can be read but no longer written (archived, read-only)")
        return issue
    if a.kind in (ActionKind.RELINK, ActionKind.SET_LINK):
        return None
    if a.kind == ActionKind.LINK_ISSUE:
        return _tracker(connectors, a.target).get_issue(a.target)
    if a.kind == ActionKind.SEARCH_DUPLICATES:
        tracker = _tracker(connectors, a.target)
        if Capability.ISSUE_SEARCH not in tracker.capabilities or not isinstance(
            tracker, IssueSearch
        ):
            return []  # nothing to search: the follow-up files a new issue
        return tracker.open_issues(a.target.key, 200)
    if a.kind == ActionKind.UPSERT_COMMENT:
        conn = _conn(connectors, a.target)
        marker = a.marker or a.key
        kept = conn.find_comment(a.target, marker)
        if kept is not None:
            if kept.body.strip() == (a.body or "").strip():
                return kept
            return conn.edit_comment(kept.ref, a.target, a.body or "")
        return conn.add_comment(a.target, a.body or "", public=a.public, key=marker)
    raise ValueError(f"unknown action kind {a.kind}")


def is_public(connectors: Mapping[str, Connector], target: Ref) -> bool:
    """Whether the project of an issue (or an issue comment) is readable by anyone."""
    conn = connectors.get(target.connector)
    if conn is None or Capability.VISIBILITY not in conn.capabilities:
        return False
    if not isinstance(conn, Visibility):
        return False
    project = target.key.split("#", 1)[0] if target.kind != RefKind.PROJECT else target.key
    return conn.is_public(project)


def _redacted(a: Action, connectors: Mapping[str, Connector]) -> Action:
    """The action with its text redacted when it goes where the public may read it."""
    if a.redact is None or a.body is None:
        return a
    if a.redact == "auto" and not is_public(connectors, a.target):
        return a
    return a.model_copy(update={"body": redact(a.body, a.patterns)})
