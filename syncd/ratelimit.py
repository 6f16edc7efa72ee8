"""The rate limits a connector declares, and the budget syncd spends against them.

A vendor documents its limits: requests a minute, writes a minute and an hour, updates of
one record in ten minutes. A connector declares them as :class:`Limit` values (from its
settings, so an admin can give their plan's figures) and syncd keeps one :class:`Budget` per
connector instance. Each limit is a sliding-window log: a call may go when fewer than
``count`` calls it counts against went in the last ``seconds``. No window of the limit's
length then ever holds more than ``count`` of them, however the vendor aligns its own
windows, so a steady load never draws a 429; a burst goes at once up to the limit and the
rest waits its turn. What the vendor says besides (rate headers: the budget is spent until a
reset) holds the budget too.

An operation is one kind of call the engine makes through a connector (:data:`OPERATIONS`);
a limit counts all operations or some, for the whole account or per record.

What a vendor says of its budget arrives in rate headers under names of its own;
:meth:`RateBudget.from_headers` reads them for every connector, told only the names and how
the reset is written (:func:`read_reset`).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

Operation = Literal[
    "read", "poll", "create_issue", "update_issue", "update_ticket", "add_comment",
    "edit_comment", "delete_comment", "update_tickets",
]  # fmt: skip
OPERATIONS: tuple[Operation, ...] = (
    "read",
    "poll",
    "create_issue",
    "update_issue",
    "update_ticket",
    "add_comment",
    "edit_comment",
    "delete_comment",
    "update_tickets",  # one batch request changing many tickets (BatchUpdates)
)
WRITES: frozenset[Operation] = frozenset(OPERATIONS) - {"read", "poll"}


ResetForm = Literal["seconds", "epoch", "iso"]


def read_reset(value: str | None, form: ResetForm, now: datetime | None = None) -> datetime | None:
    """When a rate window resets, from a header written as ``seconds`` from now, an ``epoch``
    time or an ``iso`` time (None when absent or unreadable)."""
    if not value:
        return None
    try:
        if form == "iso":
            at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            return at if at.tzinfo else at.replace(tzinfo=UTC)
        number = float(value)
    except ValueError:
        return None
    if form == "epoch":
        return datetime.fromtimestamp(number, UTC)
    return datetime.fromtimestamp((now or datetime.now(UTC)).timestamp() + number, UTC)


def _count(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class RateBudget:
    """What the vendor last told us about our rate budget."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: datetime | None = None

    @classmethod
    def from_headers(
        cls,
        headers: Mapping[str, str],
        *,
        limit: Sequence[str],
        remaining: Sequence[str],
        reset: Sequence[str] = (),
        reset_form: ResetForm = "epoch",
    ) -> RateBudget | None:
        """The figures of one answer's rate headers; each figure comes from the first of its
        header ``names`` that holds a number. None when the answer names neither a limit nor
        what remains (keep the figures seen before)."""
        lowered = {k.lower(): v for k, v in headers.items()}

        def first(names: Sequence[str]) -> int | None:
            return next(
                (n for n in (_count(lowered.get(x.lower())) for x in names) if n is not None),
                None,
            )

        figures = first(limit), first(remaining)
        if figures == (None, None):
            return None
        stamp = next((lowered[x.lower()] for x in reset if lowered.get(x.lower())), None)
        return cls(*figures, reset_at=read_reset(stamp, reset_form))


class Limit(BaseModel):
    """One documented limit: at most ``count`` of the ``operations`` it counts (all when
    empty) in any ``seconds``; ``per_record`` counts each ticket or issue on its own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    count: int = Field(ge=1)
    seconds: float = Field(gt=0)
    operations: frozenset[Operation] = frozenset()
    per_record: bool = False
    # points an operation costs against this limit (default 1), e.g. writes cost 5
    points: Mapping[Operation, int] = Field(default_factory=dict)

    def counts(self, op: Operation) -> int:
        """The points ``op`` costs against this limit (0: it does not count)."""
        if self.operations and op not in self.operations:
            return 0
        return self.points.get(op, 1)


def guard(seconds: float) -> float:
    """The margin each window is kept longer than the vendor's: a call counted when syncd sends
    it is counted by the vendor when it arrives, and an earlier call that arrived late would
    otherwise still be in the vendor's window (2 % of it, from 0.2 s to 1 s)."""
    return min(1.0, max(0.2, 0.02 * seconds))


@dataclass
class _Window:
    """The times of the calls of the last ``seconds`` (one entry per point)."""

    count: int
    seconds: float
    times: deque[float] = field(default_factory=deque)

    def wait(self, now: float, points: int) -> float:
        while self.times and self.times[0] <= now - self.seconds:
            self.times.popleft()
        if points > self.count:
            points = self.count  # a call dearer than the whole window goes alone
        over = len(self.times) + points - self.count
        if over <= 0:
            return 0.0
        return self.times[over - 1] + self.seconds - now

    def take(self, now: float, points: int) -> None:
        self.times.extend([now] * points)


class Wait(NamedTuple):
    """How long a call must wait (0: it may go now), and the limit that holds it."""

    seconds: float
    limit: str | None


class Budget:
    """What one connector instance may still spend: its limits' windows, and a hold when
    the vendor says the budget is spent. Thread-safe."""

    def __init__(
        self, limits: Iterable[Limit], *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = tuple(limits)
        self.clock = clock
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str | None], _Window] = {}
        self._held_until = 0.0

    def _window(self, limit: Limit, record: str | None) -> _Window:
        key = (limit.name, record if limit.per_record else None)
        found = self._windows.get(key)
        if found is None:
            found = self._windows[key] = _Window(limit.count, limit.seconds + guard(limit.seconds))
        return found

    def take(self, op: Operation, record: str | None = None) -> Wait:
        """Spend what ``op`` (on ``record``) costs if every limit allows it now (a wait of
        0); else spend nothing and say how long until it would be allowed, and why."""
        with self._lock:
            now = self.clock()
            wait = Wait(max(0.0, self._held_until - now), "the vendor's budget is spent")
            costs = [(lim, lim.counts(op)) for lim in self.limits]
            costs = [(lim, points) for lim, points in costs if points]
            for lim, points in costs:
                seconds = self._window(lim, record).wait(now, points)
                if seconds > wait.seconds:
                    wait = Wait(seconds, lim.name)
            if wait.seconds > 0:
                return wait
            for lim, points in costs:
                self._window(lim, record).take(now, points)
            if len(self._windows) > 10_000:
                self._forget(now)
            return Wait(0.0, None)

    def counts(self, op: Operation, limit: str) -> bool:
        """Whether ``op`` counts against this budget's limit named ``limit``."""
        return any(lim.name == limit and lim.counts(op) for lim in self.limits)

    def per_record(self, limit: str) -> bool:
        """Whether this budget's limit named ``limit`` counts each record on its own."""
        return any(lim.name == limit and lim.per_record for lim in self.limits)

    def hold_until_reset(self, remaining: int | None, reset_at: datetime | None) -> None:
        """The vendor says how much of its budget is left: with none left, nothing more
        goes until its reset (other clients may share syncd's token)."""
        if remaining is None or remaining > 0 or reset_at is None:
            return
        seconds = (reset_at - datetime.now(UTC)).total_seconds()
        self.hold(seconds)

    def hold(self, seconds: float) -> None:
        """Nothing goes for ``seconds`` (a 429's Retry-After, a spent budget)."""
        with self._lock:
            self._held_until = max(self._held_until, self.clock() + max(0.0, seconds))

    def _forget(self, now: float) -> None:
        """Drop the windows of records that have been quiet for longer than their limit."""
        for key, window in list(self._windows.items()):
            quiet = not window.times or window.times[-1] <= now - window.seconds
            if key[1] is not None and quiet:
                del self._windows[key]


def operation_of(kind: str) -> Operation | None:
    """The operation an action of ``kind`` (an ``ActionKind`` value) makes, if any."""
    return _OPERATION_OF.get(kind)


_OPERATION_OF: dict[str, Operation] = {
    "create_issue": "create_issue",
    "update_ticket": "update_ticket",
    "update_issue": "update_issue",
    "add_comment": "add_comment",
    "edit_comment": "edit_comment",
    "delete_comment": "delete_comment",
    "upsert_comment": "edit_comment",
    "verify_issue": "read",
    "link_issue": "read",
    "search_duplicates": "read",
    "catch_up": "read",
    "share_history": "read",
    "copy_files": "add_comment",
}
