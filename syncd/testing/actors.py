"""The people on each side, as the demo, the end-to-end tests and the benchmarks see them.

An emulator module offers ``actor(emulator, instance_name)`` returning one of these. Actors act
through the emulator as a human would (an agent, a developer), so what they do arrives at
syncd the way the vendor would send it: as a webhook, or in the next poll.

A helpdesk's actor starts from :class:`HelpdeskActor`: its ``create_ticket`` is the one every
test calls, and the vendor's actor opens the :class:`NewTicket` in its own way.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from syncd.model import Comment, Issue, IssueStatus, Priority, Ref, Ticket

from .emulator_parts import EmulatorActor

E = TypeVar("E")
AttachedFile = str | tuple[str, bytes]  # a file's name (its content made up), or name and bytes


@dataclass(frozen=True)
class NewTicket:
    """A ticket an end user opens, as a test describes it."""

    subject: str
    description: str
    tags: list[str]  # the agent's tags, already applied
    requester: str  # the end user's name
    priority: Priority | None
    group: str | None  # the group (queue, request type) by name
    files: tuple[AttachedFile, ...]  # attached to the opening message


class HelpdeskActor(EmulatorActor[E], ABC):
    """The start of an agent on a helpdesk's emulator."""

    def create_ticket(
        self,
        subject: str,
        description: str,
        *,
        tags: list[str],
        requester: str = "Ada Lovelace",
        priority: Priority | None = None,
        group: str | None = None,
        files: tuple[AttachedFile, ...] = (),
    ) -> Ref:
        """An end user opens a ticket (the agent's tags already applied)."""
        new = NewTicket(subject, description, tags, requester, priority, group, files)
        return Ref.ticket(self.instance, self.open_ticket(new))

    @abstractmethod
    def open_ticket(self, new: NewTicket) -> int | str:
        """Open ``new`` in the emulator; the ticket's id."""

    @abstractmethod
    def comment(self, ticket: Ref, body: str, *, public: bool) -> Ref | None:
        """An agent replies (public) or writes an internal note."""

    @abstractmethod
    def ticket(self, ref: Ref) -> Ticket:
        """The ticket as it stands in the helpdesk."""

    @abstractmethod
    def comments(self, ref: Ref) -> list[Comment]:
        """Its comments, oldest first."""


class TrackerActor(Protocol):
    emulator: Any

    def ensure_project(self, project: str) -> None:
        """Create the repository or project when the emulator does not have it."""
        ...

    def comment(self, issue: Ref, body: str) -> Ref:
        """A developer comments on the issue."""
        ...

    def edit_comment(self, issue: Ref, comment: Ref, body: str) -> None:
        """A developer edits their comment."""
        ...

    def set_status(self, issue: Ref, status: IssueStatus) -> None:
        """A developer moves the issue (closes as done or won't do, reopens, ...)."""
        ...

    def issue(self, ref: Ref) -> Issue:
        """The issue as it stands in the tracker."""
        ...

    def issues(self, project: str) -> list[Issue]:
        """Every issue of a project."""
        ...

    def comments(self, ref: Ref) -> list[Comment]:
        """Its comments, oldest first."""
        ...
