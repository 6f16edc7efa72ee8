"""The records the Request Tracker emulator holds, as plain dataclasses, and RT's constants."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime

LIFECYCLE = ("new", "open", "stalled", "resolved", "rejected", "deleted")
INACTIVE = ("resolved", "rejected", "deleted")
TICKET_LOOKUP = "RT::Queue-RT::Ticket"
TXN_LOOKUP = "RT::Queue-RT::Ticket-RT::Transaction"
# the queue rights syncd's account needs, as RT names them
RIGHTS = (
    "SeeQueue",
    "ShowTicket",
    "CreateTicket",
    "ModifyTicket",
    "ReplyToTicket",
    "CommentOnTicket",
    "ShowTicketComments",
)
# RT 5's default PriorityAsString: the highest label at or below the number
PRIORITY_LABELS = ((100, "High"), (50, "Medium"), (0, "Low"))


class RTError(Exception):
    """An answer other than success: ``status`` and REST2's ``{"message": ...}``."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(f"{status} {message}")


def now() -> str:
    """RT's timestamp format, one-second resolution."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def priority_label(value: int) -> str:
    """The label RT shows for a numeric priority."""
    return next((label for floor, label in PRIORITY_LABELS if value >= floor), "Low")


@dataclass
class User:
    """An RT user; ``queues`` limits where it may work."""

    id: int
    name: str
    real_name: str = ""
    email: str = ""
    privileged: bool = False
    password: str | None = None
    # queue names this user may work in; None: every queue
    queues: set[str] | None = None
    created: str = dataclasses.field(default_factory=now)


@dataclass
class Queue:
    """An RT queue."""

    id: int
    name: str
    description: str = ""
    lifecycle: str = "default"
    created: str = dataclasses.field(default_factory=now)


@dataclass
class CustomField:
    """A custom field on tickets or on ticket transactions (``lookup``)."""

    id: int
    name: str
    lookup: str
    max_values: int = 1
    description: str = ""
    # ids of the queues it applies to; None: every queue (applied globally)
    queues: set[int] | None = None


@dataclass
class Txn:
    """A transaction on a ticket."""

    id: int
    ticket: int
    type: str
    creator: str
    created: str = dataclasses.field(default_factory=now)
    field: str = ""
    old: str = ""
    new: str = ""
    data: str = ""
    cfs: dict[int, list[str]] = dataclasses.field(default_factory=dict)


@dataclass
class Attachment:
    """The message part of a transaction."""

    id: int
    txn: int
    subject: str
    content_type: str
    content: str
    creator: str
    filename: str = ""
    created: str = dataclasses.field(default_factory=now)
    data: bytes | None = None  # a file's bytes (``content`` is then empty)


@dataclass
class Ticket:
    """An RT ticket."""

    id: int
    queue: int
    subject: str
    creator: str
    status: str = "new"
    priority: int = 0
    owner: str = "Nobody"
    requestors: list[str] = dataclasses.field(default_factory=list)
    created: str = dataclasses.field(default_factory=now)
    last_updated: str = dataclasses.field(default_factory=now)
    last_updated_by: str = ""
    resolved: str = "1970-01-01T00:00:00Z"
    cfs: dict[int, list[str]] = dataclasses.field(default_factory=dict)
