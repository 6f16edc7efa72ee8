"""Defaults for a connector laid out the kit's way, so each system writes only what differs.

A connector that keeps its HTTP adapter as ``client`` (with ``rate_budget()`` and
``close()``), its poller as ``poller`` (with ``poll(cursor)``), names its cursor format in
``cursor_format`` and marks the comments it writes (``Comment.marker``) can take the plain
parts of the contract from :class:`PolledConnector` instead of writing them again: the poll,
the cursor check, the rate budget, closing, and finding a comment by its key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from .connector import PollPage, RateBudget
from .cursors import CursorFormat
from .model import Comment, Ref


class KitClient(Protocol):
    """The parts of a connector's HTTP adapter the defaults use."""

    def rate_budget(self) -> RateBudget:
        """The last figures the vendor sent."""
        ...

    def close(self) -> None:
        """Release HTTP connections."""
        ...


class KitPoller(Protocol):
    """A connector's poller: one page of changes after a cursor."""

    def poll(self, cursor: str | None) -> PollPage:
        """Changes after ``cursor`` (None: from now) and the cursor to go on from."""
        ...


class PolledConnector:
    """The contract's plain methods, for a connector with ``client``, ``poller`` and
    ``cursor_format``; put it before :class:`~syncd.connector.ConnectorBase` in the bases."""

    name: str
    cursor_format: ClassVar[CursorFormat[Any]]

    if TYPE_CHECKING:
        # read-only here, so a connector may keep its own adapter and poller types

        @property
        def client(self) -> KitClient: ...

        @property
        def poller(self) -> KitPoller: ...

    def comments(self, parent: Ref) -> list[Comment]:
        """Every comment of ``parent``, oldest first (each connector reads its own)."""
        raise NotImplementedError

    def find_comment(self, parent: Ref, key: str) -> Comment | None:
        """The newest comment of ``parent`` that carries ``key``."""
        for comment in reversed(self.comments(parent)):
            if comment.marker == key:
                return comment
        return None

    def poll(self, cursor: str | None) -> PollPage:
        """What changed since ``cursor``, by the connector's poller."""
        return self.poller.poll(cursor)

    def check_cursor(self, cursor: str) -> None:
        """``CursorError`` if ``poll`` could not read ``cursor``; no request."""
        self.cursor_format.load(self.name, cursor)

    def rate_budget(self) -> RateBudget:
        """The last figures the vendor sent."""
        return self.client.rate_budget()

    def close(self) -> None:
        """Release HTTP connections."""
        self.client.close()
