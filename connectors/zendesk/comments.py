"""Zendesk comments: read from a ticket's audits (each audit's metadata holds the key syncd
wrote with it), written as ticket updates. Zendesk comments can be redacted, never edited or
deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from syncd.errors import PermanentError, RemoteError
from syncd.model import Comment, Ref
from syncd.paging import walk

from .client import ZendeskClient
from .mapping import Context, Names
from .mapping_comments import comments_from_audits


class CommentMethods:
    """The connector's comments (``Capability.COMMENTS`` and ``INTERNAL_COMMENTS``)."""

    if TYPE_CHECKING:
        client: ZendeskClient

        @property
        def ctx(self) -> Context: ...

        def _id(self, ref: Ref) -> int: ...

        def _update(self, ref: Ref, **changes: Any) -> dict[str, Any]: ...

        def bot_id(self) -> int: ...

        def names(self) -> Names: ...

        def resolve_users(self, ids: Sequence[Any]) -> None: ...

        def find_comment(self, parent: Ref, key: str) -> Comment | None: ...

    def _audits(self, ticket_id: int) -> list[dict[str, Any]]:
        first: tuple[str, dict[str, Any] | None] = (
            f"/api/v2/tickets/{ticket_id}/audits.json",
            {"per_page": 100},
        )
        pages = walk(lambda at: self.client.get(*at), first, _next_page)
        return [audit for body in pages for audit in body.get("audits") or ()]

    def comments(self, parent: Ref) -> list[Comment]:
        """All comments of a ticket, oldest first, each with its marker (from the audits)."""
        ticket_id = self._id(parent)
        audits = self._audits(ticket_id)
        self.bot_id()
        self.resolve_users([a.get("author_id") for a in audits])
        return comments_from_audits(audits, parent, self.ctx, self.names())

    def add_comment(self, parent: Ref, body: str, *, public: bool, key: str) -> Comment:
        """Add a reply or note as one ticket update carrying ``key``."""
        return self._comment(parent, body, public=public, key=key)

    def _comment(
        self, parent: Ref, body: str, *, public: bool, key: str, uploads: Sequence[str] = ()
    ) -> Comment:
        answer = self._update(parent, comment=body, public=public, key=key, uploads=uploads)
        audit = answer.get("audit")
        if isinstance(audit, dict):
            # the update's own audit holds the new comment: no second read of the ticket
            self.bot_id()
            for comment in comments_from_audits([audit], parent, self.ctx, self.names()):
                if comment.marker == key:
                    return comment
        found = self.find_comment(parent, key)
        if found is None:
            raise RemoteError(f"{parent}: Zendesk accepted the comment but does not list it")
        return found

    def edit_comment(self, ref: Ref, parent: Ref, body: str) -> Comment:
        """Zendesk comments can only be redacted, never edited."""
        raise PermanentError("editing comments is not supported by Zendesk")

    def delete_comment(self, ref: Ref, parent: Ref) -> None:
        """Zendesk comments can only be redacted, never deleted."""
        raise PermanentError("deleting comments is not supported by Zendesk")


def _next_page(body: Any, _: object) -> tuple[str, None] | None:
    """Where Zendesk's ``next_page`` points (None: the last page)."""
    url = body.get("next_page")
    return (str(url), None) if url else None
