"""Outbox and dead letters: the writes syncd owes, each with an idempotency key.

Actions of one lane (one ticket's escalation) run strictly in order: an action waits while an
older one of its lane is pending or running. Dead letters do not block their lane.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from syncd.store.prepared import Prepared
from syncd.store.queue import Due, Tx, now
from syncd.store.queues import Queue
from syncd.store.tables import dead_letters, inbox, outbox

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
        "INSERT INTO outbox (key, lane, kind, action, state, attempts, next_at, created_at, "
        "priority, coalesce) VALUES (:key, :lane, :kind, :action, 'pending', 0, :next_at, "
        ":created_at, :priority, :coalesce) "
        "ON CONFLICT (key) DO NOTHING RETURNING id"
    ).bindparams(
        sa.bindparam("action", type_=outbox.c.action.type),
        sa.bindparam("next_at", type_=outbox.c.next_at.type),
        sa.bindparam("created_at", type_=outbox.c.created_at.type),
    )
)


def add(tx: Tx, actions: Sequence[dict[str, Any]], *, delay: float = 0.0) -> int:
    """Insert actions (dicts with key, lane, kind, and an ``urgency`` that orders the row,
    taken out of the stored action); a key already present is skipped."""
    added = 0
    t = now()
    # one statement per action: the insert itself skips a key already there
    due_at = t + timedelta(seconds=delay)
    for given in actions:
        action = dict(given)
        priority = int(action.pop("urgency", 1))
        coalesce = action.pop("coalesce", None)
        if coalesce is not None and _coalesced(tx, action, coalesce, t):
            continue
        row = {
            "key": action["key"],
            "lane": action["lane"],
            "kind": action["kind"],
            "action": action,
            "next_at": due_at,
            "created_at": t,
            "priority": priority,
            "coalesce": coalesce,
        }
        if _ADD.first(tx, row) is not None:
            added += 1
    return added


def _coalesced(tx: Tx, action: dict[str, Any], coalesce: str, t: Any) -> bool:
    """Fold ``action`` into a waiting row with the same coalesce key, if there is one: that
    row takes the newest content; this key is remembered as done (a repeat stays refused).
    False when none waits (a running one may already be sending the older content)."""
    waiting = tx.execute(
        sa.select(outbox.c.id)
        .where(outbox.c.coalesce == coalesce, outbox.c.state == "pending")
        .order_by(outbox.c.id)
        .limit(1)
    ).first()
    if waiting is None:
        return False
    remembered = tx.execute(
        sa.text(
            "INSERT INTO outbox (key, lane, kind, action, state, attempts, next_at, created_at, "
            "done_at, last_error) VALUES (:key, :lane, :kind, :action, 'done', 0, :t, :t, :t, "
            ":why) ON CONFLICT (key) DO NOTHING RETURNING id"
        ).bindparams(
            sa.bindparam("action", type_=outbox.c.action.type),
            sa.bindparam("t", type_=outbox.c.created_at.type),
        ),
        {
            "key": action["key"],
            "lane": action["lane"],
            "kind": action["kind"],
            "action": action,
            "t": t,
            "why": f"coalesced into #{waiting.id}",
        },
    ).first()
    if remembered is not None:
        tx.execute(outbox.update().where(outbox.c.id == waiting.id).values(action=action))
    return True


OUTBOX = Queue(outbox, outbox.c.lane, "running", count_on_claim=True, by_priority=True)


def due(tx: Tx, limit: int) -> Due:
    """Pending actions that are due and first in their lane; running ones whose lease ran out
    (their runner died) come back as due."""
    return OUTBOX.due(tx, limit)


def any_due(tx: Tx) -> bool:
    """Whether :func:`due` could find anything (fit for ``Store.peek``)."""
    return OUTBOX.any_due(tx)


def claim(
    tx: Tx, rows: Sequence[sa.Row[Any]], *, lease: float = 120.0, by: str | None = None
) -> tuple[list[tuple[sa.Row[Any], int]], list[int]]:
    """Mark due actions running (held by replica ``by``) in one statement, counting an
    attempt for each: (actions to perform in order with their attempt numbers, ids to give
    back with :func:`release`)."""
    return OUTBOX.claim(tx, rows, lease, by)


def release(tx: Tx, ids: Sequence[int]) -> None:
    """Give claimed actions back, due now, their attempt not counted (they did not run)."""
    OUTBOX.release(tx, ids)


def done(tx: Tx, row_id: int) -> None:
    _DONE.run(tx, {"b_id": row_id, "done_at": now()})


def retry(tx: Tx, row_id: int, error: str, delay: float) -> None:
    """A failed action: pending again after ``delay``, the attempt it made counted."""
    OUTBOX.retry(tx, row_id, error, delay)


def hold(tx: Tx, row_id: int, reason: str, delay: float) -> None:
    """An action that must wait (a connector held, the worker behind): due after ``delay``,
    no request spent, its attempt not counted."""
    OUTBOX.hold(tx, [row_id], reason, delay)


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
    """Dead letters, oldest first: actions (with their lane) and changes (with their ref)."""
    lane = sa.func.coalesce(outbox.c.lane, dead_letters.c.ref).label("lane")
    q = (
        sa.select(dead_letters, outbox.c.action, lane)
        .outerjoin(outbox, outbox.c.id == dead_letters.c.outbox_id)
        .order_by(dead_letters.c.id)
    )
    if not include_replayed:
        q = q.where(dead_letters.c.replayed_at.is_(None))
    return list(tx.execute(q).fetchall())


def replay(tx: Tx, ids: Sequence[int] | None = None) -> int:
    """Send dead letters (all, or the given ids) back: an action to the outbox, a change to
    the inbox (behind its ref's changes that came meanwhile)."""
    q = sa.select(dead_letters).where(dead_letters.c.replayed_at.is_(None))
    if ids:
        q = q.where(dead_letters.c.id.in_(list(ids)))
    rows = tx.execute(q).fetchall()
    for row in rows:
        if row.outbox_id is None:
            t = now()
            tx.execute(
                inbox.insert().values(
                    ref=row.ref,
                    connector=str(row.ref).split(":", 1)[0],
                    source="replay",
                    change=row.change,
                    state="pending",
                    attempts=0,
                    next_at=t,
                    received_at=t,
                )
            )
        else:
            tx.execute(
                outbox.update()
                .where(outbox.c.id == row.outbox_id)
                .values(state="pending", next_at=now(), done_at=None)
            )
        tx.execute(
            dead_letters.update().where(dead_letters.c.id == row.id).values(replayed_at=now())
        )
    return len(rows)


# the actions that make a ticket's link: until one of them is done, the ticket has none yet
ESCALATION = ("create_issue", "search_duplicates", "link_issue")
_ESCALATING = Prepared(
    sa.select(outbox.c.state)
    .where(
        outbox.c.lane == sa.bindparam("lane"),
        sa.or_(*(outbox.c.kind == kind for kind in ESCALATION)),
        sa.or_(*(outbox.c.state == state for state in ("pending", "running", "dead"))),
    )
    .limit(1)
)
_CREATING = Prepared(
    sa.select(outbox.c.action).where(
        outbox.c.kind == "create_issue",
        sa.or_(outbox.c.state == "pending", outbox.c.state == "running"),
        outbox.c.attempts > 0,
    )
)

_RUNNING_IN = Prepared(
    sa.select(outbox.c.action).where(
        outbox.c.lane == sa.bindparam("lane"), outbox.c.state == "running"
    )
)


def escalating(tx: Tx, lane: str) -> str | None:
    """The state of an escalation of ticket ``lane`` whose link is not made yet (an action
    that files, searches for or links its issue is pending, running or dead), or None."""
    row = _ESCALATING.first(tx, {"lane": lane})
    return str(row.state) if row is not None else None


def moving_link(tx: Tx, lane: str) -> bool:
    """Whether an action of ticket ``lane`` that moves its link to another state (solved,
    declined, detached...) is running: its write may have been made and not recorded yet."""
    return any(row.action.get("link_state") for row in _RUNNING_IN.rows(tx, {"lane": lane}))


def creating(tx: Tx, connector: str) -> bool:
    """Whether an issue may exist on ``connector`` whose link is not recorded yet: a create
    was tried at least once (its request may have reached the tracker) and is not done."""
    return any(
        str(row.action.get("target", {}).get("connector")) == connector
        for row in _CREATING.rows(tx, {})
    )


def due_within(tx: Tx, seconds: float) -> float | None:
    """Seconds until the next pending action is due, when that is within ``seconds``."""
    t = now()
    soonest = tx.execute(
        sa.select(sa.func.min(outbox.c.next_at)).where(
            outbox.c.state == "pending", outbox.c.next_at <= t + timedelta(seconds=seconds)
        )
    ).scalar()
    if soonest is None:
        return None
    if soonest.tzinfo is None:
        soonest = soonest.replace(tzinfo=t.tzinfo)
    return max(0.0, (soonest - t).total_seconds())


def counts(tx: Tx) -> dict[str, int]:
    rows = tx.execute(sa.select(outbox.c.state, sa.func.count()).group_by(outbox.c.state))
    return {str(state): int(n) for state, n in rows}
