"""The people on each side, as the demo, the end-to-end tests and the benchmarks see them.

An emulator module offers ``actor(emulator, instance_name)`` returning one of these. Actors act
through the emulator as a human would (an agent, a developer), so what they do arrives at
syncd the way the vendor would send it: as a webhook, or in the next poll.
"""

from __future__ import annotations

from typing import Any, Protocol

from syncd.model import Comment, Issue, IssueStatus, Priority, Ref, Ticket


class HelpdeskActor(Protocol):
    emulator: Any

    def create_ticket(
        self,
        subject: str,
        description: str,
        *,
        tags: list[str],
        requester: str = "Ada Lovelace",
        priority: Priority | None = None,
        group: str | None = None,
    ) -> Ref:
        """An end user opens a ticket (the agent's tags already applied)."""
        ...

    def comment(self, ticket: Ref, body: str, *, public: bool) -> None:
        """An agent replies (public) or writes an internal note."""
        ...

    def ticket(self, ref: Ref) -> Ticket:
        """The ticket as it stands in the helpdesk."""
        ...

    def comments(self, ref: Ref) -> list[Comment]:
        """Its comments, oldest first."""
        ...


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
