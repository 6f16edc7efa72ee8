"""The queue tables as one kind of thing: :class:`Queue` (the inbox and the outbox), and the
outbox's claim by priority (:func:`due_by_priority`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa

from syncd.store.queue import (
    MAX_PAGES,
    Due,
    Tx,
    _sweep_now,
    any_due,
    claim,
    due_in_order,
    now,
    release,
)


def due_by_priority(tx: Tx, table: sa.Table, lane: sa.Column[Any], busy: str, limit: int) -> Due:
    """Due rows by (priority, id), at most one per lane: each lane's oldest unfinished row,
    when it is due. A lane whose oldest row waits or is busy gives nothing, so its rows
    never overtake each other; among the lanes, what people read goes first (a lower
    ``priority``), then the oldest. One row per lane per claim keeps one busy ticket from
    taking a whole batch while others wait."""
    sweep, head, firsts = _priority_statements(table, lane, busy)
    t = now()
    if _sweep_now(tx, table):
        tx.execute(sweep, {"b_t": t})
    due = Due()
    after = (-1, 0)
    for _ in range(MAX_PAGES):
        params = {"b_t": t, "b_limit": limit, "b_p": after[0], "b_after": after[1]}
        rows = tx.execute(head, params).fetchall()
        if not rows:
            return due
        lanes = sorted({getattr(r, lane.name) for r in rows})
        first = {str(k): int(v) for k, v in tx.execute(firsts, {"b_lanes": lanes}).all()}
        taken = {getattr(r, lane.name) for r in due}
        for r in rows:
            key = getattr(r, lane.name)
            if r.id == first.get(key) and key not in taken and len(due) < limit:
                due.append(r)
                taken.add(key)
        if len(due) >= limit:
            due.full = True
            return due
        if len(rows) < limit:
            return due  # the whole queue was read
        after = (int(rows[-1].priority), int(rows[-1].id))
    due.full = True
    return due


@cache
def _priority_statements(table: sa.Table, lane: sa.Column[Any], busy: str) -> tuple[Any, ...]:
    t: sa.BindParameter[Any] = sa.bindparam("b_t")
    sweep = (
        table.update()
        .where(table.c.state == busy, table.c.next_at < t)
        .values(state="pending", claimed_by=None)
    )
    p: sa.BindParameter[Any] = sa.bindparam("b_p")
    after: sa.BindParameter[Any] = sa.bindparam("b_after")
    head = (
        sa.select(table)
        .where(
            table.c.state == "pending",
            table.c.next_at <= t,
            sa.or_(table.c.priority > p, sa.and_(table.c.priority == p, table.c.id > after)),
        )
        .order_by(table.c.priority, table.c.id)
        .limit(sa.bindparam("b_limit"))
    )
    lanes = lane.in_(sa.bindparam("b_lanes", expanding=True))
    unfinished = sa.or_(table.c.state == busy, table.c.state == "pending")
    firsts = sa.select(lane, sa.func.min(table.c.id)).where(lanes, unfinished).group_by(lane)
    return sweep, head, firsts


@dataclass(frozen=True)
class Queue:
    """One queue table: the inbox (changes, a lane per ref) or the outbox (actions, a lane
    per ticket), handled alike. Rows of a lane go in order; a claim marks rows ``busy`` with
    a lease; a row is given back (due now), retried (due later, its attempt counted), held
    until something wakes it (its attempt not counted), finished or set aside as a dead
    letter. The outbox counts an attempt when it claims a row (a crash mid-call is a
    retry); the inbox when a row fails."""

    table: sa.Table
    lane: sa.Column[Any]
    busy: str
    count_on_claim: bool
    by_priority: bool = False  # lanes' heads by (priority, id), one row per lane a claim

    def due(self, tx: Tx, limit: int) -> Due:
        """Due rows in order, each lane's behind its older unfinished ones."""
        if self.by_priority:
            return due_by_priority(tx, self.table, self.lane, self.busy, limit)
        return due_in_order(tx, self.table, self.lane, self.busy, limit)

    def any_due(self, tx: Tx) -> bool:
        """Whether :meth:`due` could find anything (one indexed probe)."""
        return any_due(tx, self.table, self.busy)

    def claim(
        self, tx: Tx, rows: Sequence[sa.Row[Any]], lease: float = 120.0, by: str | None = None
    ) -> tuple[list[tuple[sa.Row[Any], int]], list[int]]:
        """Mark due rows busy with a lease held by replica ``by``: (rows to work on, with
        their attempt numbers; ids to give back with :meth:`release`)."""
        counted = self.count_on_claim
        lane = self.lane.name
        return claim(tx, self.table, rows, lane, self.busy, lease, count_attempt=counted, by=by)

    def release(self, tx: Tx, ids: Sequence[int]) -> None:
        """Give claimed rows back, due now, as if they had not been claimed."""
        release(tx, self.table, ids, uncount=self.count_on_claim)

    def retry(self, tx: Tx, row_id: int, error: str, delay: float) -> None:
        """A failed row: pending again after ``delay``, its attempt counted."""
        values: dict[str, Any] = {
            "state": "pending",
            "claimed_by": None,
            "last_error": error[:2000],
            "next_at": now() + timedelta(seconds=delay),
        }
        if not self.count_on_claim:
            values["attempts"] = self.table.c.attempts + 1
        tx.execute(self.table.update().where(self.table.c.id == row_id).values(**values))

    def hold(self, tx: Tx, ids: Sequence[int], reason: str, delay: float) -> None:
        """Rows that wait for something else first: pending after ``delay`` at the latest
        (:meth:`wake` may make them due sooner), their attempt not counted. A lane's later
        rows stay behind them."""
        if not ids:
            return
        values: dict[str, Any] = {
            "state": "pending",
            "claimed_by": None,
            "last_error": reason[:2000],
            "next_at": now() + timedelta(seconds=delay),
        }
        if self.count_on_claim:
            values["attempts"] = self.table.c.attempts - 1
        tx.execute(self.table.update().where(self.table.c.id.in_(list(ids))).values(**values))

    def wake(self, tx: Tx, lanes: Sequence[str]) -> int:
        """Make the waiting rows of ``lanes`` due now; return how many there were."""
        t = now()
        res = tx.execute(
            self.table.update()
            .where(self.lane.in_(list(lanes)), self.table.c.state == "pending")
            .where(self.table.c.next_at > t)
            .values(next_at=t)
        )
        return int(res.rowcount or 0)
