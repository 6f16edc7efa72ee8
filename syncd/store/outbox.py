"""Outbox and dead letters: the writes syncd owes, each with an idempotency key.

Actions of one lane (one ticket's escalation) run strictly in order: an action waits while an
older one of its lane is pending or running. Dead letters do not block their lane.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from syncd.store import queue
from syncd.store.prepared import Prepared
from syncd.store.queue import Due, Tx, due_in_order, now
from syncd.store.tables import dead_letters, outbox

# the runner's per-action statements, built once (building one costs more than running it)
_BY_ID = outbox.update().where(outbox.c.id == sa.bindparam("b_id"))
_UNCOUNTED = _BY_ID.values(attempts=outbox.c.attempts - 1)
# one per action planned and one per action done: run on the driver (syncd.store.prepared)
_DONE = Prepared(
    outbox.update()
    .where(outbox.c.id == sa.bindparam("b_id"))
    .values(state="done", last_error=None, done_at=sa.bindparam("done_at"))
)
# written as text: SQLAlchemy compiles a dialect's ON CONFLICT insert anew on every execution
# (it is not cached), which costs more than the insert; SQLite and PostgreSQL read it alike
_ADD = Prepared(
    sa.text(
        "INSERT INTO outbox (key, lane, kind, action, state, attempts, next_at, created_at) "
        "VALUES (:key, :lane, :kind, :action, 'pending', 0, :next_at, :created_at) "
        "ON CONFLICT (key) DO NOTHING RETURNING id"
    ).bindparams(
        sa.bindparam("action", type_=outbox.c.action.type),
        sa.bindparam("next_at", type_=outbox.c.next_at.type),
        sa.bindparam("created_at", type_=outbox.c.created_at.type),
    )
)


def add(tx: Tx, actions: Sequence[dict[str, Any]], *, delay: float = 0.0) -> int:
    """Insert actions (dicts with key, lane, kind); a key already present is skipped."""
    added = 0
    t = now()
    # one statement per action: the insert itself skips a key already there
    due_at = t + timedelta(seconds=delay)
    for action in actions:
        row = {
            "key": action["key"],
            "lane": action["lane"],
            "kind": action["kind"],
            "action": action,
            "next_at": due_at,
            "created_at": t,
        }
        if _ADD.first(tx, row) is not None:
            added += 1
    return added


def due(tx: Tx, limit: int) -> Due:
    """Pending actions that are due and first in their lane; running ones whose lease ran out
    (their runner died) come back as due."""
    return due_in_order(tx, outbox, outbox.c.lane, "running", limit)


def any_due(tx: Tx) -> bool:
    """Whether :func:`due` could find anything (fit for ``Store.peek``)."""
    return queue.any_due(tx, outbox, "running")


def claim(
    tx: Tx, rows: Sequence[sa.Row[Any]], *, lease: float = 120.0
) -> tuple[list[tuple[sa.Row[Any], int]], list[int]]:
    """Mark due actions running in one statement, counting an attempt for each: (actions to
    perform in order with their attempt numbers, ids to give back with :func:`release`)."""
    return queue.claim(tx, outbox, rows, "lane", "running", lease, count_attempt=True)


def release(tx: Tx, ids: Sequence[int]) -> None:
    """Give claimed actions back, due now, their attempt not counted (they did not run)."""
    queue.release(tx, outbox, ids, uncount=True)


def done(tx: Tx, row_id: int) -> None:
    _DONE.run(tx, {"b_id": row_id, "done_at": now()})


def retry(tx: Tx, row_id: int, error: str, delay: float, *, uncount: bool = False) -> None:
    """Back to pending, due after ``delay``; ``uncount`` when no request was spent on it."""
    values = {"state": "pending", "last_error": error[:2000]}
    stmt = _UNCOUNTED if uncount else _BY_ID
    tx.execute(stmt, {"b_id": row_id, **values, "next_at": now() + timedelta(seconds=delay)})


def dead(tx: Tx, row: sa.Row[Any], reason: str) -> None:
    """Move an action to dead letters with its reason."""
    tx.execute(
        outbox.update()
        .where(outbox.c.id == row.id)
        .values(state="dead", last_error=reason[:2000], done_at=now())
    )
    tx.execute(
        dead_letters.insert().values(
            outbox_id=row.id, key=row.key, kind=row.kind, reason=reason[:2000], created_at=now()
        )
    )


def list_dead(tx: Tx, *, include_replayed: bool = False) -> list[sa.Row[Any]]:
    q = (
        sa.select(dead_letters, outbox.c.action, outbox.c.lane)
        .join(outbox, outbox.c.id == dead_letters.c.outbox_id)
        .order_by(dead_letters.c.id)
    )
    if not include_replayed:
        q = q.where(dead_letters.c.replayed_at.is_(None))
    return list(tx.execute(q).fetchall())


def replay(tx: Tx, ids: Sequence[int] | None = None) -> int:
    """Send dead letters (all, or the given ids) back to the outbox."""
    q = sa.select(dead_letters).where(dead_letters.c.replayed_at.is_(None))
    if ids:
        q = q.where(dead_letters.c.id.in_(list(ids)))
    rows = tx.execute(q).fetchall()
    for row in rows:
        tx.execute(
            outbox.update()
            .where(outbox.c.id == row.outbox_id)
            .values(state="pending", next_at=now(), done_at=None)
        )
        tx.execute(
            dead_letters.update().where(dead_letters.c.id == row.id).values(replayed_at=now())
        )
    return len(rows)


def counts(tx: Tx) -> dict[str, int]:
    rows = tx.execute(sa.select(outbox.c.state, sa.func.count()).group_by(outbox.c.state))
    return {str(state): int(n) for state, n in rows}
