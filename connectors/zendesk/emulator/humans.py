"""The Zendesk emulator's in-process helpers: tests act as humans (an agent, the customer)
without HTTP, and read tickets, comments and audits as the API shows them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from syncd.helpdesk_emulator import given

from . import render as views
from .state import State, User


class HumanActs:
    """Acting as a human on the account, and reading what the API would show."""

    if TYPE_CHECKING:
        state: State
        accounts: dict[str, User]
        public_url: str

        @property
        def agent(self) -> User: ...

        @property
        def customer(self) -> User: ...

    def _user(self, who: str | int | User | None, default: User) -> User:
        if who is None:
            return default
        if isinstance(who, User):
            return who
        if isinstance(who, int):
            return self.state.users[who]
        return self.accounts[who]

    def create_ticket(
        self,
        subject: str,
        description: str = "",
        *,
        tags: list[str] | tuple[str, ...] = (),
        requester: str | int | None = None,
        group_id: int | None = None,
        organization_id: int | None = None,
        priority: str | None = None,
        custom_fields: dict[int, Any] | None = None,
        author: str | int | None = None,
        files: tuple[str | tuple[str, bytes], ...] = (),
    ) -> int:
        """Create a ticket as an agent (or ``author``) with ``files``; returns its id."""
        uploads = self.state.uploads.by_hand(files)
        data: dict[str, Any] = {
            "subject": subject,
            "comment": {"body": description or subject, "uploads": uploads},
            "requester_id": self._user(requester, self.customer).id,
            "tags": list(tags),
        }
        data |= given(group_id=group_id, organization_id=organization_id, priority=priority)
        if custom_fields:
            data["custom_fields"] = [{"id": k, "value": v} for k, v in custom_fields.items()]
        ticket, _ = self.state.create_ticket(self._user(author, self.agent), data)
        return ticket.id

    def update(self, ticket_id: int, author: str | int | None = None, **data: Any) -> None:
        """Apply a ticket update as a human (``status=``, ``tags=``, ``comment=`` ...)."""
        self.state.update_ticket(ticket_id, self._user(author, self.agent), data)

    def add_comment(
        self,
        ticket_id: int,
        body: str,
        public: bool = True,
        author: str | int | None = None,
        files: tuple[str | tuple[str, bytes], ...] = (),
    ) -> int:
        """Add a comment as a human with ``files`` (see ``Uploads.by_hand``); returns its id."""
        who = self._user(author, self.agent)
        comment = {"body": body, "public": public, "uploads": self.state.uploads.by_hand(files)}
        _, audit = self.state.update_ticket(ticket_id, who, {"comment": comment})
        return int(next(e["id"] for e in audit.events if e["type"] == "Comment"))

    def set_status(self, ticket_id: int, status: str, author: str | int | None = None) -> None:
        """Change the status as a human (Zendesk names: new, open, pending, hold, ...)."""
        self.update(ticket_id, author, status=status)

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        """The ticket as the API shows it."""
        return views.ticket_json(self.state.tickets[ticket_id], self.public_url)

    def comments(self, ticket_id: int) -> list[dict[str, Any]]:
        """The ticket's comments as the API lists them."""
        return [
            views.comment_json(e, a)
            for a in self.state.audits_of(ticket_id)
            for e in a.events
            if e["type"] == "Comment"
        ]

    def audits(self, ticket_id: int) -> list[dict[str, Any]]:
        """The ticket's audits as the API lists them."""
        return [views.audit_json(a) for a in self.state.audits_of(ticket_id)]
