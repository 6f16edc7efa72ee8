"""Whose turn it is to spend a connector's rate budget, for the runner.

The runner claims due actions in order (what people read first, then the oldest) and runs
their lanes side by side. Each action takes what it costs from its connector's
:class:`~syncd.ratelimit.Budget` just before its call; one the budget cannot let go yet is
held until it may (no request spent). Lanes finish at different moments, so without more a
slot that frees while the round runs would go to whichever action asks next, often the
bookkeeping write at the end of the claim, while the hand-off held a moment earlier waits a
whole window more. :class:`Turns` keeps the claim's order: once a limit held an action in
this round, the round's actions that count against that limit and come no sooner in the
order wait as long, and the next claim, in order again, hands out the freed slots.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa

from syncd.ratelimit import Budget, Wait, operation_of

Short = tuple[str, str, str | None]  # connector, limit, record (a per-record limit's)
NEXT_CLAIM = 0.05  # seconds, at least, an action behind a held one waits: the next claim


class Turns:
    """Spends actions' costs from the budgets, in the order of one round's claim."""

    def __init__(
        self, budgets: Mapping[str, Budget], *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.budgets = budgets  # connector -> its budget (the runner's, shared)
        self.clock = clock
        self._short: dict[Short, tuple[int, float]] = {}  # -> (priority, until) of the first held
        self._lock = threading.Lock()

    def new_round(self) -> None:
        """A new claim: every action may ask again."""
        with self._lock:
            self._short = {}

    def spend(self, connector: str, row: sa.Row[Any]) -> Wait:
        """Take what the outbox ``row``'s action costs from its connector's budget if it may
        go now (a wait of 0); else how long it waits, and for which limit."""
        budget = self.budgets.get(connector)
        action = row.action
        op = operation_of(str(action.get("kind")))
        if budget is None or op is None:
            return Wait(0.0, None)
        rank = int(getattr(row, "priority", 1))
        record = action.get("parent") if op in ("edit_comment", "delete_comment") else None
        ref = record or action.get("target") or {}
        key = str(ref.get("key")) if isinstance(ref, dict) else None
        now = self.clock()
        with self._lock:
            for (name, limit, scope), (first, until) in self._short.items():
                behind = name == connector and rank >= first and scope in (None, key)
                if behind and budget.counts(op, limit):
                    return Wait(max(until - now, NEXT_CLAIM), limit)
        wait = budget.take(op, key)
        if wait.seconds > 0 and wait.limit is not None:
            short = (connector, wait.limit, key if budget.per_record(wait.limit) else None)
            with self._lock:
                if short not in self._short or self._short[short][0] > rank:
                    self._short[short] = (rank, now + wait.seconds)
        return wait
