"""The core of the connector contract: what every connector is (:class:`Connector`, with
the defaults of its optional hooks in :class:`ConnectorBase`), what a helpdesk and a tracker
add (:class:`HelpdeskConnector`, :class:`TrackerConnector`), what a poll and a webhook
delivery return (:class:`PollPage`, :class:`WebhookResult`), and the words the engine checks
before calling an optional method (:class:`Capability`) or choosing a side (:class:`Role`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal, Protocol, TypedDict, Unpack, runtime_checkable

from syncd.connector_settings import ConnectorSettings
from syncd.connector_sla import HelpdeskSla
from syncd.model import (
    Change,
    Comment,
    Issue,
    IssueDraft,
    IssueStatus,
    Priority,
    Ref,
    Ticket,
    TicketStatus,
)
from syncd.ratelimit import RateBudget


class Capability(StrEnum):
    WEBHOOKS = "webhooks"  # signed deliveries arrive on /webhooks/{instance}
    POLL = "poll"  # incremental poll with a cursor
    COMMENTS = "comments"
    INTERNAL_COMMENTS = "internal_comments"  # comments customers cannot read
    COMMENT_EDIT = "comment_edit"
    COMMENT_DELETE = "comment_delete"
    TRANSITIONS = "transitions"  # status goes through a workflow
    LABELS = "labels"
    PRIORITY = "priority"
    MARKERS = "markers"  # created objects carry a findable idempotency key
    CONDITIONAL_POLL = "conditional_poll"  # an idle poll costs no rate budget
    ACCESS_CHECK = "access_check"  # can_write(ref): is the issue's project still writable?
    ISSUE_SEARCH = "issue_search"  # open_issues(project, limit): for duplicate search
    VISIBILITY = "visibility"  # is_public(project): may anyone on the internet read it?
    CURSOR_SINCE = "cursor_since"  # PollCursors: make a poll cursor from a time, check one
    DIAGNOSE = "diagnose"  # Diagnose: check credentials, permissions and set-up (connectors test)
    BATCH_UPDATE = "batch_update"  # BatchUpdates: one identical change to many tickets at once
    COLLAPSIBLE = "collapsible"  # comments render <details><summary> as a collapsed section
    ATTACHMENTS = "attachments"  # Attachments: reads and attaches files (syncd.connector_files)
    FIELDS = "fields"  # IssueFields: reads and writes the fields routes map, by name
    PUSH = "push"  # Push: wait_for_changes(timeout) says when to poll at once (IMAP IDLE)
    # HelpdeskSlas: a ticket's own SLA goals, helpdesk_slas(ref) (syncd.connector_sla)
    HELPDESK_SLA = "helpdesk_sla"


# Named groups of capabilities, so a connector lists only what it adds to them
BASICS = frozenset(
    {
        Capability.POLL,
        Capability.CURSOR_SINCE,
        Capability.COMMENTS,
        Capability.PRIORITY,
        Capability.MARKERS,
        Capability.DIAGNOSE,
    }
)
"""What every connector does: a poll with cursors, comments, priority, markers, diagnose."""
HELPDESK_BASICS = BASICS | {Capability.WEBHOOKS, Capability.INTERNAL_COMMENTS}
""":data:`BASICS` with signed deliveries and internal notes beside public replies."""
COMMENT_CHANGES = frozenset({Capability.COMMENT_EDIT, Capability.COMMENT_DELETE})
"""Comments edited and deleted, not only added."""
PROJECT_LOOKUPS = frozenset({Capability.ISSUE_SEARCH, Capability.VISIBILITY})
"""A tracker's questions about a project: its open issues and whether anyone may read it."""


class Role(StrEnum):
    HELPDESK = "helpdesk"
    TRACKER = "tracker"


SideName = Literal["helpdesk", "tracker"]


@dataclass(frozen=True)
class PollPage:
    """One page of a poll: the changes, the cursor to store once they are committed, and
    whether another page follows right away."""

    changes: Sequence[Change]
    cursor: str | None
    more: bool = False


@dataclass(frozen=True)
class WebhookResult:
    """A verified, parsed delivery. ``changes`` may be empty (ignored events)."""

    delivery_id: str | None
    event: str
    changes: Sequence[Change] = ()


@runtime_checkable
class Connector(Protocol):
    """What every connector instance offers. The optional hooks (``watch``,
    ``webhooks_offline``) have defaults in :class:`ConnectorBase`, which connectors extend."""

    name: str
    capabilities: frozenset[Capability]

    @property
    def settings(self) -> ConnectorSettings:
        """The instance's typed settings (its ``poll_interval`` among them)."""
        ...

    def check(self) -> str:
        """Verify credentials and reachability; return the account syncd acts as."""
        ...

    def poll(self, cursor: str | None) -> PollPage:
        """Return the changes since ``cursor`` (``None``: start from now).

        A cursor that cannot be read raises :class:`~syncd.errors.CursorError` (read it with
        :mod:`syncd.cursors`) before any request: never a page from now instead."""
        ...

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        """Raise :class:`~syncd.errors.WebhookError` unless the delivery is authentic."""
        ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookResult:
        """Turn a verified delivery into changes; raise ``WebhookError(400)`` if malformed."""
        ...

    def webhooks_offline(self) -> bool:
        """Whether ``verify_webhook`` and ``parse_webhook`` make no remote call now: the
        daemon then runs them on its event loop instead of a worker thread. One delivery
        that needs a call after all raises ``syncd.webhooks.NeedsThread`` on the loop and is
        parsed again on a thread. Default: False (always a thread)."""
        ...

    def watch(self, projects: Sequence[str]) -> None:
        """Also poll these projects (the routes' targets on a tracker). Default: nothing."""
        ...

    def comments(self, parent: Ref) -> list[Comment]:
        """All comments on a ticket or issue, oldest first."""
        ...

    def add_comment(self, parent: Ref, body: str, *, public: bool, key: str) -> Comment:
        """Add a comment carrying the hidden idempotency ``key``."""
        ...

    def find_comment(self, parent: Ref, key: str) -> Comment | None:
        """Find a comment syncd wrote earlier with ``key`` (after a crash or a timeout)."""
        ...

    def edit_comment(self, ref: Ref, parent: Ref, body: str) -> Comment:
        """Replace a comment's body (``COMMENT_EDIT``)."""
        ...

    def delete_comment(self, ref: Ref, parent: Ref) -> None:
        """Delete a comment (``COMMENT_DELETE``)."""
        ...

    def rate_budget(self) -> RateBudget:
        """The last rate-limit figures seen."""
        ...

    def close(self) -> None:
        """Release HTTP connections."""
        ...


class ConnectorBase:
    """The defaults of the contract's optional hooks; every connector class extends it."""

    name: str
    settings: ConnectorSettings
    capabilities: frozenset[Capability] = frozenset()

    def webhooks_offline(self) -> bool:
        """Verified and parsed on a worker thread unless a connector says otherwise."""
        return False

    def watch(self, projects: Sequence[str]) -> None:
        """Nothing to watch: helpdesks poll their whole account."""

    def rate_budget(self) -> RateBudget:
        """Nothing known about the vendor's budget."""
        return RateBudget()

    def helpdesk_slas(self, ref: Ref) -> list[HelpdeskSla]:
        """No SLA of its own (helpdesks with ``HELPDESK_SLA`` read the ticket's)."""
        return []

    def close(self) -> None:
        """Nothing to release."""


class TicketChange(TypedDict, total=False):
    """What one ``update_ticket`` may change; a key left out (or None, or empty) is left as
    it is."""

    status: TicketStatus | None
    priority: Priority | None
    add_tags: Sequence[str]
    remove_tags: Sequence[str]
    fields: Mapping[str, str] | None  # custom fields by the names the config gives them
    comment: str | None  # added in the same write, carrying ``key``
    public: bool  # the comment is a reply the customer reads (else an internal note)
    key: str | None


class IssueChange(TypedDict, total=False):
    """What one ``update_issue`` may change; a key left out (or None, or empty) is left as
    it is."""

    status: IssueStatus | None
    priority: Priority | None
    add_labels: Sequence[str]
    remove_labels: Sequence[str]
    title: str | None
    body: str | None


@runtime_checkable
class HelpdeskConnector(Connector, Protocol):
    """A helpdesk: tickets, public replies and internal notes."""

    def get_ticket(self, ref: Ref) -> Ticket:
        """Read one ticket; ``NotFound`` if it is gone."""
        ...

    def update_ticket(self, ref: Ref, **change: Unpack[TicketChange]) -> Ticket:
        """Change a ticket in one write; ``comment`` (with ``key``) is added in the same call."""
        ...


@runtime_checkable
class TrackerConnector(Connector, Protocol):
    """A developer tracker: issues in projects (a repository, a project)."""

    def get_issue(self, ref: Ref) -> Issue:
        """Read one issue; ``NotFound`` if it is gone, ``Forbidden`` if access was lost."""
        ...

    def create_issue(self, project: str, draft: IssueDraft, *, key: str) -> Issue:
        """Create an issue carrying the hidden idempotency ``key``."""
        ...

    def find_issue(self, project: str, key: str, since: datetime | None) -> Issue | None:
        """Find an issue syncd created with ``key`` (created at or after ``since``)."""
        ...

    def update_issue(self, ref: Ref, **change: Unpack[IssueChange]) -> Issue:
        """Change an issue's status, priority, labels, title or body."""
        ...
