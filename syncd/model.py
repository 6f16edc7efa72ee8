"""Canonical values shared by the engine and every connector.

Every connector maps its vendor's records to and from these in its ``mapping.py``. They are
frozen pydantic models so that they serialise to JSON for the inbox, the outbox and the
shadows without hand-written code, and so that equality is by value.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    """Base of every canonical value: immutable, compared by value."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class RefKind(StrEnum):
    TICKET = "ticket"
    ISSUE = "issue"
    COMMENT = "comment"
    PROJECT = "project"


class Ref(Frozen):
    """Stable identity of a remote record: ``(connector instance, kind, key)``."""

    connector: str
    kind: RefKind
    key: str

    def __str__(self) -> str:
        return f"{self.connector}:{self.kind.value}:{self.key}"

    @classmethod
    def parse(cls, text: str) -> Ref:
        """Parse the ``connector:kind:key`` form written by ``str(ref)``."""
        connector, kind, key = text.split(":", 2)
        return cls(connector=connector, kind=RefKind(kind), key=key)

    @classmethod
    def ticket(cls, connector: str, key: str | int) -> Ref:
        return cls(connector=connector, kind=RefKind.TICKET, key=str(key))

    @classmethod
    def issue(cls, connector: str, key: str | int) -> Ref:
        return cls(connector=connector, kind=RefKind.ISSUE, key=str(key))

    @classmethod
    def comment(cls, connector: str, key: str | int) -> Ref:
        return cls(connector=connector, kind=RefKind.COMMENT, key=str(key))

    @classmethod
    def project(cls, connector: str, key: str) -> Ref:
        return cls(connector=connector, kind=RefKind.PROJECT, key=key)


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    SOLVED = "solved"
    CLOSED = "closed"


class IssueStatus(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    WONT_DO = "wont_do"
    DUPLICATE = "duplicate"

    @property
    def is_closed(self) -> bool:
        return self in (IssueStatus.DONE, IssueStatus.WONT_DO, IssueStatus.DUPLICATE)


class LinkState(StrEnum):
    """Where a link between a ticket and an issue stands."""

    ACTIVE = "active"  # in sync: the ticket waits on the developers
    RESOLVED = "resolved"  # the issue was done; the ticket solved and the customer told
    DECLINED = "declined"  # the issue was closed as won't do; the agent told
    DETACHED = "detached"  # support closed the ticket while the issue goes on
    REDIRECTING = "redirecting"  # the ticket is being closed with a pointer: no more sync
    REDIRECTED = "redirected"  # it was; the link only records where the work went

    @property
    def syncing(self) -> bool:
        """Whether changes still cross over this link."""
        return self not in (LinkState.REDIRECTING, LinkState.REDIRECTED)


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"

    @property
    def rank(self) -> int:
        """Higher is more urgent (low 0 ... urgent 3)."""
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class FileRef(Frozen):
    """A file on a comment or an issue, as its vendor lists it (never its content)."""

    id: str  # the vendor's id of the file
    name: str
    content_type: str = ""
    size: int | None = None  # bytes, where the vendor says
    url: str = ""  # where the connector reads the content from
    by_syncd: bool = False  # syncd's own account attached it


class Comment(Frozen):
    """A comment on a ticket or an issue; ``body`` is Markdown."""

    ref: Ref
    parent: Ref
    author: str = ""
    body: str = ""
    public: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # the idempotency key syncd hid in the comment when syncd wrote it, else None
    marker: str | None = None
    # the author is the account syncd writes with
    by_syncd: bool = False
    attachments: tuple[str, ...] = ()  # file names, where the connector gives them
    # the files themselves (ids, types, sizes); None: the source did not say (a webhook
    # that names no files), so whoever needs them reads the comment again
    files: tuple[FileRef, ...] | None = ()


class Ticket(Frozen):
    """A helpdesk record. ``requester`` is a display name, never an e-mail address."""

    ref: Ref
    subject: str = ""
    description: str = ""
    status: TicketStatus = TicketStatus.NEW
    priority: Priority | None = None
    tags: frozenset[str] = frozenset()
    group: str | None = None
    organization: str | None = None
    requester: str | None = None
    fields: dict[str, str] = Field(default_factory=dict)
    url: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Issue(Frozen):
    """A developer tracker record."""

    ref: Ref
    title: str = ""
    body: str = ""
    status: IssueStatus = IssueStatus.TODO
    priority: Priority | None = None
    labels: frozenset[str] = frozenset()
    assignee: str | None = None
    milestone: str | None = None
    url: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    marker: str | None = None
    files: tuple[FileRef, ...] = ()  # attached to the issue itself, not to a comment
    # the fields routes map (``fields:``) that the connector reads besides the above, by
    # the names the config gives them (components, versions, custom fields, ...); a
    # list reads as its values joined with ", ", an empty field as ""
    fields: dict[str, str] = Field(default_factory=dict)
    # the date that goes with a value, as an ISO date: a version's release date, a
    # milestone's due date (``milestone`` for the milestone, else the field's name)
    dates: dict[str, str] = Field(default_factory=dict)


class IssueDraft(Frozen):
    """What syncd asks a tracker to create."""

    title: str
    body: str
    labels: frozenset[str] = frozenset()
    priority: Priority | None = None
    issue_type: str | None = None
    components: tuple[str, ...] = ()
    assignee: str | None = None
    # the ticket's URL: trackers that keep remote links point one back at it
    origin_url: str = ""
    origin_title: str = ""


class ChangeKind(StrEnum):
    UPSERT = "upsert"  # a ticket or issue snapshot: created or updated
    DELETED = "deleted"  # the vendor says the ticket or issue was deleted (to be confirmed)
    MOVED = "moved"  # the issue now lives under ``new_ref``
    COMMENT = "comment"  # a comment snapshot: created or edited
    COMMENT_DELETED = "comment_deleted"
    TOUCHED = "touched"  # something changed on ``ref``: read it again


class Change(Frozen):
    """Something seen on one side, normalised. ``ref`` is the ticket or issue it concerns."""

    kind: ChangeKind
    ref: Ref
    ticket: Ticket | None = None
    issue: Issue | None = None
    comment: Comment | None = None
    new_ref: Ref | None = None
    actor: str | None = None
    at: datetime | None = None
    source: Literal["webhook", "poll", "reconcile", "internal"] = "poll"
    # snapshot fields this source does not carry (a webhook without custom fields, say):
    # the worker takes them from the shadow, or reads the record when it has none
    partial: frozenset[str] = frozenset()
