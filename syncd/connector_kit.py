"""Defaults for a connector laid out the kit's way, so each system writes only what differs.

A connector that keeps its HTTP adapter as ``client`` (with ``rate_budget()`` and
``close()``), its poller as ``poller`` (with ``poll(cursor)``), names its cursor format in
``cursor_format`` and marks the comments it writes (``Comment.marker``) can take the plain
parts of the contract from :class:`PolledConnector` instead of writing them again: the poll,
the cursor check, the rate budget, closing, and finding a comment by its key.
:class:`CursorPoller` is the start of every poll over a versioned cursor, and
:class:`WatchedProjects` a tracker's list of projects to poll.
:func:`ticket_seen` and :func:`comment_seen` are the two changes a helpdesk's poll and
webhooks report most. :func:`answer_time` and :func:`second_over` keep a poll whose vendor
stamps whole seconds from skipping a change made later in the second it last read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, Protocol, TypeVar

from .connector import PollPage, RateBudget
from .cursors import CursorFormat
from .model import Change, ChangeKind, Comment, Ref, Ticket

Source = Literal["webhook", "poll", "reconcile", "internal"]
StateT = TypeVar("StateT")


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


class KitHelpdesk(Protocol):
    """What :class:`CursorPoller` asks of its connector."""

    name: str

    def bot_id(self) -> int:
        """The id of the account syncd writes as (read once)."""
        ...


class WatchedProjects:
    """A tracker's projects to poll: those its settings name, then the engine's route
    targets (:meth:`watch`), each once, in that order."""

    _watched: list[str]

    def watch(self, projects: Sequence[str]) -> None:
        """Also poll these projects; the engine passes its route targets."""
        for project in projects:
            if project not in self._watched:
                self._watched.append(project)

    @property
    def watched(self) -> list[str]:
        """The projects polled, settings first then route targets."""
        return list(self._watched)


class CursorPoller(Generic[StateT]):
    """A poll over a versioned cursor: the first poll only starts the cursor (no request);
    a later one reads its state, learns syncd's own id (to tell its own writes) and reads
    one page (:meth:`page`)."""

    cursor_format: ClassVar[CursorFormat[Any]]

    def __init__(self, connector: KitHelpdesk) -> None:
        self.connector = connector

    def start(self) -> str:
        """The cursor of a first poll: from now."""
        raise NotImplementedError

    def page(self, state: StateT) -> PollPage:
        """One page of changes after ``state`` and the cursor after it."""
        raise NotImplementedError

    def poll(self, cursor: str | None) -> PollPage:
        """One page of changes and the cursor after it."""
        if cursor is None:
            return PollPage(changes=(), cursor=self.start(), more=False)
        state: StateT = self.cursor_format.load(self.connector.name, cursor)
        self.connector.bot_id()
        return self.page(state)


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


def ticket_seen(
    ticket: Ticket,
    *,
    source: Source = "poll",
    actor: str | None = None,
    at: datetime | None = None,
    partial: frozenset[str] = frozenset(),
) -> Change:
    """A snapshot of ``ticket`` (``UPSERT``), at its ``updated_at`` unless ``at`` says."""
    return Change(
        kind=ChangeKind.UPSERT,
        ref=ticket.ref,
        ticket=ticket,
        actor=actor,
        at=at if at is not None else ticket.updated_at,
        source=source,
        partial=partial,
    )


def comment_seen(
    parent: Ref,
    comment: Comment,
    *,
    at: datetime | None,
    source: Source = "poll",
    actor: str | None = None,
) -> Change:
    """A new or edited ``comment`` of the ticket or issue ``parent`` (``COMMENT``)."""
    return Change(
        kind=ChangeKind.COMMENT,
        ref=parent,
        comment=comment,
        actor=actor,
        at=at,
        source=source,
    )


def answer_time(date: str | None) -> datetime | None:
    """The vendor's clock when it answered: the answer's ``Date`` header, or None without a
    readable one."""
    if not date:
        return None
    try:
        return parsedate_to_datetime(date)
    except (TypeError, ValueError):
        return None


def second_over(second: datetime, now: datetime | None) -> bool:
    """Whether the whole second that starts at ``second`` has ended by ``now``, the vendor's
    clock (None: unknown, so not yet). Until it has, a change may still be stamped with it:
    a poll keeps the records it read at that second and reads that second again."""
    return now is not None and now >= second + timedelta(seconds=1)
