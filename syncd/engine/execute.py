"""Performing one action through its connector.

Every action passes the outgoing-text gate first (:func:`syncd.engine.gate.outgoing`): what
reaches a public tracker is redacted here, whichever planner made the action.

A retry (``attempt > 1``) first looks for what an earlier attempt may already have made,
by the hidden idempotency key, so a crash between the remote write and the commit never
makes a second issue or comment.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import timedelta
from typing import NamedTuple

from syncd.connector import (
    AccessCheck,
    Capability,
    Connector,
    HelpdeskConnector,
    IssueFields,
    IssueSearch,
    TrackerConnector,
)
from syncd.engine.actions import Action, ActionKind
from syncd.engine.file_copy import FileDesk, FilesCopied, copy_files, files_to_copy
from syncd.engine.gate import Redactions, is_public, outgoing
from syncd.engine.history import Transcript
from syncd.errors import ConfigError, NotFound, PermanentError, ReadOnly
from syncd.model import Comment, Issue, IssueStatus, Ref, Ticket, TicketStatus
from syncd.workflow import Privacy

Result = Ticket | Issue | Comment | list[Issue] | list[Comment] | Transcript | FilesCopied | None
WRITE_REFUSED = "write refused"
DEFAULT_PRIVACY = Privacy()


class Performed(NamedTuple):
    """What an action produced, and what the gate redacted from it on the way."""

    result: Result
    redacted: Redactions | None = None


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


REOPEN = "support_reopened"  # an issue reopened for support (see supportfields)


def perform(
    action: Action,
    connectors: Mapping[str, Connector],
    attempt: int,
    created_at_margin: timedelta = timedelta(minutes=10),
    *,
    privacy: Privacy = DEFAULT_PRIVACY,
    files: FileDesk | None = None,
) -> Performed:
    """Run ``action`` once, through the outgoing-text gate under the route's ``privacy``;
    raise syncd errors as the connector does. ``files``: what a ``COPY_FILES`` action needs
    from the runner (the policy, the ledger of hashes, the clock)."""
    if action.kind == ActionKind.SHARE_HISTORY:
        return Performed(_transcript(action, connectors, privacy))
    if action.kind == ActionKind.COPY_FILES:
        if files is None:
            raise ConfigError([("", "attachments", "files are carried by the runner only")])
        # the names of files read now pass the gate too; the policy judges the names given
        action = action.model_copy(update={"files": files_to_copy(action, connectors)})
        names = {f.id: f.name for f in action.files or ()}
        a, redacted = outgoing(action, connectors, privacy)
        return Performed(copy_files(a, connectors, attempt, files, privacy, names), redacted)
    a, redacted = outgoing(action, connectors, privacy)
    return Performed(_write(a, connectors, attempt), redacted)


def _transcript(a: Action, connectors: Mapping[str, Connector], privacy: Privacy) -> Transcript:
    """The ticket's comments, and whether the issue they are shared on is public."""
    assert a.parent is not None
    comments = _helpdesk(connectors, a.target).comments(a.target)
    public = is_public(connectors.get(a.parent.connector), a.parent, privacy)
    return Transcript(comments=tuple(comments), public=public)


def _set_fields(tracker: TrackerConnector, a: Action) -> Issue:
    """Write mapped fields by name; a tracker that cannot is refused for good (the runner
    dead-letters the action and tells the agent)."""
    if Capability.FIELDS not in tracker.capabilities or not isinstance(tracker, IssueFields):
        names = ", ".join(sorted(a.fields))
        raise PermanentError(f"{a.target.connector} cannot write fields by name ({names})")
    return tracker.set_fields(a.target, a.fields)


def _write(a: Action, connectors: Mapping[str, Connector], attempt: int) -> Result:
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
            fields=a.fields or None,
            comment=body,
            public=a.public,
            key=a.key if body is not None else None,
        )
    if a.kind == ActionKind.UPDATE_ISSUE:
        tracker = _tracker(connectors, a.target)
        status = IssueStatus(a.status) if a.status else None
        # reopened for support only if closed (syncd's own close may not be seen yet): an
        # issue the developers are working on keeps its status
        reopen = a.message == REOPEN and status is not None
        if reopen and not tracker.get_issue(a.target).status.is_closed:
            status = None
        if a.fields and not (status or a.priority or a.add_tags or a.remove_tags):
            return _set_fields(tracker, a)
        issue = tracker.update_issue(
            a.target,
            status=status,
            priority=a.priority,
            add_labels=a.add_tags,
            remove_labels=a.remove_tags,
        )
        return _set_fields(tracker, a) if a.fields else issue
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
    if a.kind == ActionKind.CATCH_UP:
        return _helpdesk(connectors, a.target).comments(a.target)
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
