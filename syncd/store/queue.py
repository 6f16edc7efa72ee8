"""Queue tables (the inbox and the outbox): which rows are due, in order per lane, and how a
process claims them with a lease and gives them back.

Rows of one lane (a ref, a ticket) are performed in id order and never overtake an older row
of their lane that is busy or waits for a retry. A claim marks rows busy until a lease runs
out, so the rows of a process that died come back by themselves; on SQLite, where one
process serves the store, the service gives them back at start. A process looks for leases
that ran out at most every ``SWEEP_EVERY`` seconds, and at once after it granted a lease
that has run out by then; looking at every claim cost a statement per batch.

A claim names the replica that holds it (``claimed_by``): with several replicas on
PostgreSQL the lease is short and the holder renews it while it works
(:mod:`syncd.store.cluster`), and a replica that restarts takes its own claims back at once.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa

Tx = sa.Connection
SWEEP_EVERY = 1.0  # seconds: how late, at most, a lease that ran out is noticed
# per engine and table, the monotonic time at which due_in_order next looks for leases run out
_SWEEPS: weakref.WeakKeyDictionary[sa.Engine, dict[str, float]] = weakref.WeakKeyDictionary()


def _sweep_now(tx: Tx, table: sa.Table) -> bool:
    """Whether to look for ``table``'s leases that ran out now (and when to look next)."""
    plan = _SWEEPS.setdefault(tx.engine, {})
    t = time.monotonic()
    if t < plan.get(table.name, 0.0):
        return False
    plan[table.name] = t + SWEEP_EVERY
    return True


def _granted(tx: Tx, table: sa.Table, lease: float) -> None:
    """A lease was granted: look for it when it runs out, if that is sooner than planned."""
    plan = _SWEEPS.setdefault(tx.engine, {})
    ends = time.monotonic() + lease
    if ends < plan.get(table.name, 0.0):
        plan[table.name] = ends


def now() -> datetime:
    """The store's clock: an aware UTC datetime."""
    return datetime.now(UTC)


def any_due(tx: Tx, table: sa.Table, busy: str) -> bool:
    """Whether :func:`due_in_order` could find anything: a pending row that is due, or a
    busy row whose lease ran out. One indexed probe, fit for :meth:`Store.peek`."""
    stmt = _any_due_statement(table, busy)
    return tx.execute(stmt, {"b_t": now()}).first() is not None


@cache
def _any_due_statement(table: sa.Table, busy: str) -> Any:
    t: sa.BindParameter[Any] = sa.bindparam("b_t")
    due = sa.or_(
        sa.and_(table.c.state == "pending", table.c.next_at <= t),
        sa.and_(table.c.state == busy, table.c.next_at < t),
    )
    return sa.select(table.c.id).where(due).limit(1)


class Due(list[sa.Row[Any]]):
    """Due rows in order (see :func:`due_in_order`); ``full`` when the query stopped at its
    limit, so more rows may be due than were given."""

    full: bool = False


def due_in_order(tx: Tx, table: sa.Table, lane: sa.Column[Any], busy: str, limit: int) -> Due:
    """Due ``pending`` rows of a queue table in id order, each lane's rows in its own order.

    A lane gives nothing past an older row of it that is ``busy`` or waits (pending, not
    yet due: a retry, or a change waiting for a link): its later rows never overtake it. A
    lane may give several rows; the caller performs them in order and stops the lane at the
    first that does not finish. ``busy`` rows whose lease ran out (their process died) come
    back as pending first, found within ``SWEEP_EVERY`` seconds.

    Plain indexed queries: a page of due rows in id order, then the blocking rows looked
    up only for the lanes found, each kind of them by a seek on (lane, state, next_at). When
    every row of a page sits behind a blocked lane, the next page is read, up to
    ``MAX_PAGES``: the lanes that wait must not starve the others behind them. (A correlated
    NOT EXISTS let PostgreSQL, misled by stale statistics on a queue table that fills and
    empties quickly, probe every pending row before the limit: seconds a call.)"""
    sweep, head, blockers = _due_statements(table, lane, busy)
    t = now()
    if _sweep_now(tx, table):
        tx.execute(sweep, {"b_t": t})
    due = Due()
    after = 0
    for _ in range(MAX_PAGES):
        rows = tx.execute(head, {"b_t": t, "b_limit": limit, "b_after": after}).fetchall()
        if not rows:
            return due
        lanes = sorted({getattr(r, lane.name) for r in rows})
        found = tx.execute(blockers, {"b_t": t, "b_lanes": lanes}).all()
        first_block: dict[str, int] = {str(key): int(first) for key, first in found}
        due += [r for r in rows if r.id < first_block.get(getattr(r, lane.name), r.id + 1)]
        if len(rows) < limit:
            return due  # the whole queue was read
        if due:
            due.full = True  # this page was full: more may be due
            return due
        after = rows[-1].id
    due.full = True
    return due


MAX_PAGES = 20  # pages of due rows read past blocked lanes in one claim


@cache
def _due_statements(table: sa.Table, lane: sa.Column[Any], busy: str) -> tuple[Any, Any, Any]:
    t: sa.BindParameter[Any] = sa.bindparam("b_t")
    sweep = (
        table.update()
        .where(table.c.state == busy, table.c.next_at < t)
        .values(state="pending", claimed_by=None)
    )
    head = (
        sa.select(table)
        .where(
            table.c.state == "pending", table.c.next_at <= t, table.c.id > sa.bindparam("b_after")
        )
        .order_by(table.c.id)
        .limit(sa.bindparam("b_limit"))
    )
    # the two kinds of blocking row as two seeks on (lane, state, next_at): in one OR, the
    # pending half read every pending row of the lane to compare its next_at
    lanes = lane.in_(sa.bindparam("b_lanes", expanding=True))
    working = sa.select(lane, table.c.id).where(lanes, table.c.state == busy)
    waiting = sa.select(lane, table.c.id).where(
        lanes, table.c.state == "pending", table.c.next_at > t
    )
    both = sa.union_all(working, waiting).subquery()
    blockers = sa.select(both.c[lane.name], sa.func.min(both.c.id)).group_by(both.c[lane.name])
    return sweep, head, blockers


def claim(
    tx: Tx,
    table: sa.Table,
    rows: Sequence[sa.Row[Any]],
    lane: str,
    busy: str,
    lease: float,
    *,
    count_attempt: bool = False,
    by: str | None = None,
) -> tuple[list[tuple[sa.Row[Any], int]], list[int]]:
    """Mark ``rows`` (from :func:`due_in_order`) ``busy`` with a lease held by replica ``by``,
    in one statement.

    Returns (the rows this process may perform, in order, each with its attempt number; ids
    to give back with :func:`release`). Rows another process claimed first are missing; so
    are the rows of a lane behind one it could not claim, since they must not overtake it."""
    if not rows:
        return [], []
    stmt = _claim_statement(table, busy, count_attempt)
    until = now() + timedelta(seconds=lease)
    _granted(tx, table, lease)
    got = {
        int(r[0]): int(r[1])
        for r in tx.execute(stmt, {"b_ids": [r.id for r in rows], "b_until": until, "b_by": by})
    }
    mine: list[tuple[sa.Row[Any], int]] = []
    back: list[int] = []
    stopped: set[str] = set()
    for r in rows:
        key = getattr(r, lane)
        if r.id not in got:
            stopped.add(key)
        elif key in stopped:
            back.append(r.id)
        else:
            mine.append((r, got[r.id]))
    return mine, back


def release(tx: Tx, table: sa.Table, ids: Sequence[int], *, uncount: bool = False) -> None:
    """Give claimed rows back, due now; with ``uncount`` their claim's attempt is taken back."""
    if ids:
        tx.execute(_release_statement(table, uncount), {"b_ids": list(ids), "b_t": now()})


# Built once per table: building a statement and its cache key at every call cost the worker
# and the runner about a tenth of their interpreter time at 100 changes a second.
_IDS: sa.BindParameter[Any] = sa.bindparam("b_ids", expanding=True)


@cache
def _claim_statement(table: sa.Table, busy: str, count_attempt: bool) -> Any:
    values: dict[str, Any] = {
        "state": busy,
        "next_at": sa.bindparam("b_until", type_=table.c.next_at.type),
        "claimed_by": sa.bindparam("b_by", type_=table.c.claimed_by.type),
    }
    if count_attempt:
        values["attempts"] = table.c.attempts + 1
    return (
        table.update()
        .where(table.c.id.in_(_IDS), table.c.state == "pending")
        .values(**values)
        .returning(table.c.id, table.c.attempts)
    )


@cache
def _release_statement(table: sa.Table, uncount: bool) -> Any:
    values: dict[str, Any] = {
        "state": "pending",
        "next_at": sa.bindparam("b_t", type_=table.c.next_at.type),
        "claimed_by": None,
    }
    if uncount:
        values["attempts"] = table.c.attempts - 1
    return table.update().where(table.c.id.in_(_IDS)).values(**values)
