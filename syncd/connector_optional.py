"""The optional parts of the connector contract, one protocol a capability: fields by name
(:class:`IssueFields`), write access (:class:`AccessCheck`), duplicate search
(:class:`IssueSearch`), public projects (:class:`Visibility`), cursors from a time
(:class:`PollCursors`), push wake-ups (:class:`Push`) and batch writes
(:class:`BatchUpdates`, :class:`BatchResult`). The engine checks a connector's
``capabilities`` before it calls any of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from syncd.errors import RemoteError
from syncd.model import Issue, Ref, TicketStatus
from syncd.ratelimit import Operation


@runtime_checkable
class IssueFields(Protocol):
    """Trackers with ``FIELDS`` read and write the fields routes map, by the names the config
    gives them (``labels``, ``milestone``, ``assignee`` and the tracker's own, e.g.
    ``components``, ``versions``, ``fixVersions``, a custom field's display name)."""

    def map_fields(self, names: Sequence[str]) -> None:
        """Also read these fields into ``Issue.fields`` (and ``Issue.dates``) on every read."""
        ...

    def set_fields(self, ref: Ref, values: Mapping[str, str]) -> Issue:
        """Write fields by name ("" empties one); a field that does not exist or refuses its
        value raises :class:`~syncd.errors.PermanentError` naming the field and why."""
        ...


@runtime_checkable
class AccessCheck(Protocol):
    """Trackers with ``ACCESS_CHECK`` also say whether an issue can still be written."""

    def can_write(self, ref: Ref) -> bool:
        """False when the issue's project is archived or read-only to syncd's account."""
        ...


@runtime_checkable
class IssueSearch(Protocol):
    """Trackers with ``ISSUE_SEARCH`` list a project's open issues (for duplicate search)."""

    def open_issues(self, project: str, limit: int) -> list[Issue]:
        """Up to ``limit`` open issues of ``project``, most recently updated first."""
        ...


@runtime_checkable
class Visibility(Protocol):
    """Trackers with ``VISIBILITY`` say whether a project is public (the outgoing-text gate
    redacts what goes there). An answer may be cached for a minute or so; a read that fails
    for good answers True, a transient failure raises."""

    def is_public(self, project: str) -> bool:
        """True when anyone may read the project's issues and comments."""
        ...

    def project_of(self, ref: Ref) -> str:
        """The project holding an issue (or an issue's comment); ValueError if unknown."""
        ...


@runtime_checkable
class PollCursors(Protocol):
    """Connectors with ``CURSOR_SINCE`` make a poll cursor from a time and check a stored one
    (``syncd cursor``, ``syncd reconcile``)."""

    def cursor_since(self, moment: datetime) -> str:
        """A cursor from which a poll returns every change made at or after ``moment`` (may
        ask the vendor where that is)."""
        ...

    def check_cursor(self, cursor: str) -> None:
        """Raise :class:`~syncd.errors.CursorError` if ``poll`` could not read ``cursor``;
        never makes a request."""
        ...


@runtime_checkable
class Push(Protocol):
    """Polling connectors with ``PUSH`` hold a connection that tells when something changed
    (IMAP IDLE): the poller then polls at once; the interval stays the fallback."""

    def wait_for_changes(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds; True as soon as there is something to poll. May
        raise a :class:`~syncd.errors.RemoteError`; the poller then waits and asks again."""
        ...


@dataclass(frozen=True)
class BatchResult:
    """What a batch write did to each ticket it was given: ``failed`` holds the error each
    failed ticket met (a :class:`~syncd.errors.TransientError` where the vendor could not
    say, so the write may or may not have landed); every other ticket was written."""

    done: frozenset[Ref]
    failed: Mapping[Ref, RemoteError]

    def error(self, ref: Ref) -> RemoteError | None:
        """The error ``ref`` met (None: its update was applied)."""
        return self.failed.get(ref)


# spends one request of a kind from a rate budget if it may go now (0.0), else says the
# seconds until it may (nothing spent)
Pace = Callable[[Operation], float]


@runtime_checkable
class BatchUpdates(Protocol):
    """Helpdesks with ``BATCH_UPDATE`` apply one identical change (status, one comment) to
    many tickets in few requests: the fan-out of one issue's end to its tickets."""

    def batch_limit(self) -> int:
        """Tickets one request may carry; :meth:`update_tickets` splits larger sets."""
        ...

    def update_tickets(
        self,
        keys: Mapping[Ref, str],
        *,
        status: TicketStatus | None = None,
        comment: str | None = None,
        public: bool = False,
        pace: Pace | None = None,
    ) -> BatchResult:
        """Apply the change to every ticket of ``keys`` (ticket -> the idempotency key its
        comment carries, so ``find_comment`` finds it after a crash). A failure of the whole
        request is reported for each of its tickets, never raised. ``pace`` is asked before
        each request past the first (a look at a job, another part of the batch): the
        request waits until it may go."""
        ...
