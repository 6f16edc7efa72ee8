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
    TrackerConnector,
)
from syncd.engine.actions import Action, ActionKind
from syncd.errors import ConfigError, NotFound, ReadOnly
from syncd.model import Comment, Issue, IssueStatus, Ref, Ticket, TicketStatus

Result = Ticket | Issue | Comment | None
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
    a = action
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
    if a.kind == ActionKind.RELINK:
        return None
    raise ValueError(f"unknown action kind {a.kind}")
