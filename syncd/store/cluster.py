"""Replicas, their claims and their leadership, as rows of the store.

Several replicas of syncd serve one PostgreSQL database. Each has an identity (``replicas``:
one row per replica id, renewed by its heartbeat). Each claim of the inbox or the outbox
names the replica that holds it (``claimed_by``); the holder renews the lease of all its
claims with one statement per queue, so a short lease outlives a slow action, and the lease
of a dead replica runs out soon (other replicas then take the rows back, see
:mod:`syncd.store.queue`).

Singleton work (a connector's poll, the periodic jobs) is led by one replica per role through
a leased row of ``leaders`` rather than an advisory lock: it needs no connection held open
(so it works behind PgBouncer in transaction mode) and it carries a fencing token, which grows
whenever the role changes hands. A write made on behalf of a role (a poll's cursor) checks the
token in its own transaction with :func:`fenced`: a leader that lost its role is refused.
Times are the replicas' clocks, which must agree (NTP) to well under a lease.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from syncd.store.queue import Tx, now
from syncd.store.tables import inbox, leaders, outbox, replicas

# each queue with the state its claimed rows are in
QUEUES: tuple[tuple[str, sa.Table, str], ...] = (
    ("inbox", inbox, "working"),
    ("outbox", outbox, "running"),
)


@dataclass(frozen=True)
class Fence:
    """What a write on behalf of a role carries: the role, its holder and the token."""

    role: str
    holder: str
    token: int


def seen(tx: Tx, replica_id: str) -> sa.Row[Any] | None:
    """The row of ``replica_id``: its instance, state and when it was last seen."""
    return tx.execute(sa.select(replicas).where(replicas.c.id == replica_id)).first()


def join(tx: Tx, replica_id: str, instance: str, host: str, pid: int) -> None:
    """Note this process as replica ``replica_id``, up from now."""
    t = now()
    values = {"instance": instance, "host": host, "pid": pid, "state": "up", "seen_at": t}
    done = tx.execute(
        replicas.update().where(replicas.c.id == replica_id).values(started_at=t, **values)
    )
    if not done.rowcount:
        tx.execute(replicas.insert().values(id=replica_id, started_at=t, **values))


def beat(tx: Tx, replica_id: str, instance: str, state: str, lease: float) -> int:
    """The heartbeat: note the replica as seen, in ``state``, and renew the lease of every
    claim it holds; return the claims renewed. Nothing is renewed when another instance
    took the replica id meanwhile."""
    t = now()
    mine = tx.execute(
        replicas.update()
        .where(replicas.c.id == replica_id, replicas.c.instance == instance)
        .values(seen_at=t, state=state)
    )
    if not mine.rowcount:
        return 0
    until = t + timedelta(seconds=lease)
    renewed = 0
    for _, table, busy in QUEUES:
        res = tx.execute(
            table.update()
            .where(table.c.state == busy, table.c.claimed_by == replica_id)
            .values(next_at=until)
        )
        renewed += int(res.rowcount or 0)
    return renewed


def reclaim(tx: Tx, replica_id: str | None) -> int:
    """Give back every claim ``replica_id`` holds (None: every claim), due now; return how
    many. At start, the claims an earlier run of this replica left (it died) are retried at
    once rather than when their lease runs out; at stop, what this run did not finish goes
    to the others."""
    n = 0
    for _, table, busy in QUEUES:
        held = table.c.state == busy
        if replica_id is not None:
            held = sa.and_(held, table.c.claimed_by == replica_id)
        res = tx.execute(
            table.update().where(held).values(state="pending", next_at=now(), claimed_by=None)
        )
        n += int(res.rowcount or 0)
    return n


def leave(tx: Tx, replica_id: str, instance: str) -> None:
    """Note the replica as down (it stopped cleanly)."""
    tx.execute(
        replicas.update()
        .where(replicas.c.id == replica_id, replicas.c.instance == instance)
        .values(state="down", seen_at=now())
    )


# Take the role when it is free or lapsed, or renew it when this replica holds it; the token
# grows when the holder changes or the role had lapsed. Written as text: SQLite and
# PostgreSQL read this upsert alike.
_LEAD = sa.text(
    "INSERT INTO leaders (role, holder, token, since, until) "
    "VALUES (:role, :holder, 1, :t, :until) "
    "ON CONFLICT (role) DO UPDATE SET "
    "token = CASE WHEN leaders.holder = excluded.holder AND leaders.until > :t "
    "THEN leaders.token ELSE leaders.token + 1 END, "
    "since = CASE WHEN leaders.holder = excluded.holder AND leaders.until > :t "
    "THEN leaders.since ELSE excluded.since END, "
    "holder = excluded.holder, until = excluded.until "
    "WHERE leaders.holder = excluded.holder OR leaders.until <= :t "
    "RETURNING token"
).bindparams(
    sa.bindparam("t", type_=leaders.c.since.type), sa.bindparam("until", type_=leaders.c.until.type)
)


def lead(tx: Tx, role: str, holder: str, lease: float) -> int | None:
    """Take or renew ``role`` for ``lease`` seconds: its token, or None when another
    replica holds it."""
    t = now()
    params = {"role": role, "holder": holder, "t": t, "until": t + timedelta(seconds=lease)}
    row = tx.execute(_LEAD, params).first()
    return None if row is None else int(row[0])


def resign(tx: Tx, role: str, holder: str) -> None:
    """Give ``role`` up at once (a replica that stops): another takes it at its next beat."""
    tx.execute(
        leaders.update()
        .where(leaders.c.role == role, leaders.c.holder == holder)
        .values(until=now())
    )


def fenced(tx: Tx, fence: Fence) -> bool:
    """Whether a write on behalf of ``fence.role`` is refused: another replica took the role
    since this token was granted. On PostgreSQL the leader's row stays locked (shared) until
    ``tx`` ends, so a replica taking the role over waits for this write to commit."""
    q = sa.select(leaders.c.holder, leaders.c.token).where(leaders.c.role == fence.role)
    if tx.dialect.name == "postgresql":
        q = q.with_for_update(read=True)
    row = tx.execute(q).first()
    return row is None or row.holder != fence.holder or int(row.token) != fence.token


@dataclass(frozen=True)
class Snapshot:
    """The cluster as the store sees it, for status pages and the CLI."""

    replicas: list[dict[str, Any]]
    leaders: list[dict[str, Any]]
    claims: dict[str, dict[str, int]]  # replica -> queue -> claimed rows

    def as_dict(self) -> dict[str, Any]:
        return {"replicas": self.replicas, "leaders": self.leaders, "claims": self.claims}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def snapshot(tx: Tx, alive_within: float) -> Snapshot:
    """Replicas (``alive``: seen within ``alive_within`` seconds), who leads each role (with
    ``live``: its lease runs), and the claims each replica holds."""
    t = now()
    since = t - timedelta(seconds=alive_within)
    found = tx.execute(sa.select(replicas).order_by(replicas.c.id)).fetchall()
    reps = [
        {
            "id": r.id,
            "host": r.host,
            "pid": r.pid,
            "state": r.state,
            "alive": r.state != "down" and _aware(r.seen_at) >= since,
            "started_at": _iso(r.started_at),
            "seen_at": _iso(r.seen_at),
        }
        for r in found
    ]
    rows = tx.execute(sa.select(leaders).order_by(leaders.c.role)).fetchall()
    leads = [
        {
            "role": r.role,
            "holder": r.holder,
            "token": int(r.token),
            "live": _aware(r.until) > t,
            "since": _iso(r.since),
            "until": _iso(r.until),
        }
        for r in rows
    ]
    claims: dict[str, dict[str, int]] = {}
    for name, table, busy in QUEUES:
        q = (
            sa.select(table.c.claimed_by, sa.func.count())
            .where(table.c.state == busy)
            .group_by(table.c.claimed_by)
        )
        for holder, n in tx.execute(q):
            claims.setdefault(str(holder or "?"), {"inbox": 0, "outbox": 0})[name] = int(n)
    return Snapshot(reps, leads, claims)


def _aware(value: datetime) -> datetime:
    """SQLite gives naive datetimes back: they are UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=now().tzinfo)
