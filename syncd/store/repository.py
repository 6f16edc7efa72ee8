"""The repository: every read and write the engine makes, each inside a transaction it is given.

Methods take an open connection (``with store.tx() as tx``) so that a caller groups the writes
that must land together: an action's completion with its shadow, link and audit rows; a poll
page's changes with its cursor.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa

from syncd.store import db
from syncd.store.deliveries import Deliveries
from syncd.store.direct import DirectWriter
from syncd.store.tables import (
    audit,
    comment_map,
    cursors,
    dead_letters,
    inbox,
    links,
    outbox,
    shadows,
    sla_clocks,
)

Tx = sa.Connection

# the reads the worker and runner make for every change, built once: building a statement
# costs more than SQLite takes to answer it
_SHADOW = sa.select(shadows).where(shadows.c.ref == sa.bindparam("ref"))
_LINK = sa.select(links).where(links.c.id == sa.bindparam("id"))
_LINK_OF_TICKET = sa.select(links).where(links.c.ticket_ref == sa.bindparam("ref"))
_LINKS_OF_ISSUE = (
    sa.select(links).where(links.c.issue_ref == sa.bindparam("ref")).order_by(links.c.id)
)
_COMMENT_TARGETS = sa.select(comment_map.c.target_ref, comment_map.c.link_id).where(
    comment_map.c.source_ref == sa.bindparam("ref")
)
_COMMENT_PAIR = sa.select(comment_map.c.source_ref).where(
    comment_map.c.source_ref == sa.bindparam("s"), comment_map.c.target_ref == sa.bindparam("t")
)
_SHADOW_UPDATE = shadows.update().where(shadows.c.ref == sa.bindparam("b_ref"))
_LINK_UPDATE = links.update().where(links.c.id == sa.bindparam("b_id"))
_INBOX_DELETE = inbox.delete().where(inbox.c.id == sa.bindparam("id"))
_COMMENT_COPY = (
    sa.select(comment_map.c.source_ref).where(comment_map.c.target_ref == sa.bindparam("ref"))
).limit(1)


def now() -> datetime:
    return datetime.now(UTC)


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything syncd stores is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class LinkRow:
    id: int
    ticket_ref: str
    issue_ref: str
    route: str
    mode: str
    state: str
    tier: str | None
    gone_strikes: int
    reason: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Shadow:
    observed: dict[str, Any] | None
    observed_at: datetime | None
    written: dict[str, Any]


class Store(Deliveries):
    """All persistent state of syncd."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self.direct = DirectWriter(engine)

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Connect to ``url`` and, by default, apply pending migrations."""
        engine = db.make_engine(url)
        if migrate:
            db.upgrade(engine)
        return cls(engine)

    @contextmanager
    def tx(self) -> Iterator[Tx]:
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def peek(self) -> Iterator[Tx]:
        """A connection for reads only: on SQLite it takes no write lock and waits for no
        writer, so asking "is anything due?" costs a writer nothing."""
        with self.engine.connect() as conn:
            conn.info[db.READ_ONLY] = True
            try:
                yield conn
            finally:
                conn.info.pop(db.READ_ONLY, None)

    def checkpoint(self) -> tuple[int, int, int] | None:
        """A background WAL checkpoint on SQLite, see :func:`syncd.store.db.checkpoint`."""
        return db.checkpoint(self.engine)

    def close(self) -> None:
        self.direct.close()
        self.engine.dispose()

    # -- inbox --------------------------------------------------------------------------
    def next_inbox(self, tx: Tx, limit: int) -> list[sa.Row[Any]]:
        """Pending rows that are due and have no older unfinished row for the same ref.
        Rows whose worker died (lease run out) come back first."""
        return due_in_order(tx, inbox, inbox.c.ref, "working", limit)

    def inbox_due(self) -> bool:
        """Whether the inbox may have work, asked without the write lock."""
        with self.peek() as conn:
            return any_due(conn, inbox, "working")

    def take_inbox(
        self, tx: Tx, rows: Sequence[sa.Row[Any]], lease: float = 120.0
    ) -> tuple[list[sa.Row[Any]], list[int]]:
        """Claim rows from :meth:`next_inbox` in one statement: (rows to process in order,
        ids to give back with :meth:`release_inbox`), see :func:`claim`."""
        mine, back = claim(tx, inbox, rows, "ref", "working", lease)
        return [r for r, _ in mine], back

    def release_inbox(self, tx: Tx, row_ids: Sequence[int]) -> None:
        """Give claimed rows back to the queue, due now."""
        release(tx, inbox, row_ids)

    def finish_inbox(self, tx: Tx, row_id: int) -> None:
        tx.execute(_INBOX_DELETE, {"id": row_id})

    def retry_inbox(self, tx: Tx, row_id: int, error: str, delay: float) -> None:
        tx.execute(
            inbox.update()
            .where(inbox.c.id == row_id)
            .values(
                attempts=inbox.c.attempts + 1,
                last_error=error[:2000],
                next_at=now() + timedelta(seconds=delay),
            )
        )

    def depth(self) -> dict[str, int]:
        """Rows waiting in the inbox, outbox and dead letters."""
        with self.engine.connect() as conn:

            def count(q: Any) -> int:
                return int(conn.execute(q).scalar() or 0)

            return {
                "inbox": count(sa.select(sa.func.count()).select_from(inbox)),
                "outbox": count(
                    sa.select(sa.func.count())
                    .select_from(outbox)
                    .where(outbox.c.state.in_(("pending", "running")))
                ),
                "dead": count(
                    sa.select(sa.func.count())
                    .select_from(dead_letters)
                    .where(dead_letters.c.replayed_at.is_(None))
                ),
            }

    # -- shadows ------------------------------------------------------------------------
    def shadow(self, tx: Tx, ref: str) -> Shadow:
        row = tx.execute(_SHADOW, {"ref": ref}).first()
        if row is None:
            return Shadow(None, None, {})
        return Shadow(row.observed, utc(row.observed_at), dict(row.written or {}))

    def put_shadow(
        self,
        tx: Tx,
        ref: str,
        *,
        observed: dict[str, Any] | None = None,
        observed_at: datetime | None = None,
        written: dict[str, Any] | None = None,
    ) -> None:
        """Update the parts given; create the row when missing."""
        values: dict[str, Any] = {"updated_at": now()}
        if observed is not None:
            values["observed"] = observed
            values["observed_at"] = observed_at
        if written is not None:
            values["written"] = written
        # statements built once; the columns set follow the parameters given
        res = tx.execute(_SHADOW_UPDATE, {"b_ref": ref, **values})
        if not res.rowcount:
            values.setdefault("written", {})
            tx.execute(shadows.insert(), {"ref": ref, **values})

    # -- links --------------------------------------------------------------------------
    def link_for_ticket(self, tx: Tx, ticket_ref: str) -> LinkRow | None:
        row = tx.execute(_LINK_OF_TICKET, {"ref": ticket_ref}).first()
        return _link(row) if row else None

    def links_for_issue(self, tx: Tx, issue_ref: str) -> list[LinkRow]:
        rows = tx.execute(_LINKS_OF_ISSUE, {"ref": issue_ref}).fetchall()
        return [_link(r) for r in rows]

    def link(self, tx: Tx, link_id: int) -> LinkRow | None:
        row = tx.execute(_LINK, {"id": link_id}).first()
        return _link(row) if row else None

    def create_link(
        self,
        tx: Tx,
        *,
        ticket_ref: str,
        issue_ref: str,
        route: str,
        mode: str,
        state: str = "active",
        tier: str | None = None,
    ) -> LinkRow:
        t = now()
        found = self.link_for_ticket(tx, ticket_ref)
        if found:
            return found
        tx.execute(
            links.insert().values(
                ticket_ref=ticket_ref,
                issue_ref=issue_ref,
                route=route,
                mode=mode,
                state=state,
                tier=tier,
                gone_strikes=0,
                created_at=t,
                updated_at=t,
            )
        )
        made = self.link_for_ticket(tx, ticket_ref)
        assert made is not None
        return made

    def update_link(self, tx: Tx, link_id: int, **values: Any) -> None:
        tx.execute(_LINK_UPDATE, {"b_id": link_id, "updated_at": now(), **values})

    def all_links(self, limit: int = 1000) -> list[LinkRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(links).order_by(links.c.id).limit(limit)).fetchall()
        return [_link(r) for r in rows]

    def links_in(self, tx: Tx, routes: Sequence[str], states: Sequence[str]) -> list[LinkRow]:
        """Links of the given routes in the given states, oldest first."""
        q = sa.select(links).where(links.c.route.in_(list(routes)), links.c.state.in_(list(states)))
        return [_link(r) for r in tx.execute(q.order_by(links.c.id)).fetchall()]

    # -- SLA clocks ---------------------------------------------------------------------
    def sla_clock(self, tx: Tx, link_id: int) -> dict[str, Any] | None:
        row = tx.execute(sa.select(sla_clocks.c.state).where(sla_clocks.c.link_id == link_id))
        found = row.first()
        return dict(found.state) if found else None

    def put_sla_clock(self, tx: Tx, link_id: int, state: dict[str, Any]) -> None:
        res = tx.execute(
            sla_clocks.update()
            .where(sla_clocks.c.link_id == link_id)
            .values(state=state, updated_at=now())
        )
        if not res.rowcount:
            tx.execute(sla_clocks.insert().values(link_id=link_id, state=state, updated_at=now()))

    # -- comment map --------------------------------------------------------------------
    def map_comment(self, tx: Tx, source_ref: str, target_ref: str, link_id: int) -> None:
        exists = tx.execute(_COMMENT_PAIR, {"s": source_ref, "t": target_ref}).first()
        if not exists:
            tx.execute(
                comment_map.insert(),
                {
                    "source_ref": source_ref,
                    "target_ref": target_ref,
                    "link_id": link_id,
                    "created_at": now(),
                },
            )

    def comment_targets(self, tx: Tx, source_ref: str) -> list[tuple[str, int]]:
        rows = tx.execute(_COMMENT_TARGETS, {"ref": source_ref}).fetchall()
        return [(r.target_ref, r.link_id) for r in rows]

    def is_comment_copy(self, tx: Tx, ref: str) -> bool:
        """True when ``ref`` is a comment syncd wrote as a copy of another."""
        return tx.execute(_COMMENT_COPY, {"ref": ref}).first() is not None

    # -- cursors ------------------------------------------------------------------------
    def cursor(self, connector: str, stream: str = "default") -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(cursors.c.value).where(
                    cursors.c.connector == connector, cursors.c.stream == stream
                )
            ).scalar()

    def set_cursor(
        self, tx: Tx, connector: str, value: str | None, stream: str = "default"
    ) -> None:
        res = tx.execute(
            cursors.update()
            .where(cursors.c.connector == connector, cursors.c.stream == stream)
            .values(value=value, updated_at=now())
        )
        if not res.rowcount:
            tx.execute(
                cursors.insert().values(
                    connector=connector, stream=stream, value=value, updated_at=now()
                )
            )

    # -- audit --------------------------------------------------------------------------
    def audit(
        self,
        tx: Tx,
        event: str,
        *,
        link_id: int | None = None,
        ticket_ref: str | None = None,
        issue_ref: str | None = None,
        **detail: Any,
    ) -> None:
        tx.execute(
            audit.insert(),
            {
                "at": now(),
                "event": event,
                "link_id": link_id,
                "ticket_ref": ticket_ref,
                "issue_ref": issue_ref,
                "detail": detail,
            },
        )

    def audit_since(self, after_id: int = 0, limit: int = 200) -> list[sa.Row[Any]]:
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.select(audit).where(audit.c.id > after_id).order_by(audit.c.id).limit(limit)
                ).fetchall()
            )


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


def due_in_order(
    tx: Tx, table: sa.Table, lane: sa.Column[Any], busy: str, limit: int
) -> list[sa.Row[Any]]:
    """Due ``pending`` rows of a queue table in id order, each lane's rows in its own order.

    A lane gives nothing past an older row of it that is ``busy`` or waits for a retry
    (pending, not yet due): its later rows never overtake it. A lane may give several rows;
    the caller performs them in order and stops the lane at the first that does not finish.
    ``busy`` rows whose lease ran out (their process died) come back as pending first.

    Two plain indexed queries, the blocking rows looked up only for the lanes found: a
    correlated NOT EXISTS let PostgreSQL, misled by stale statistics on a queue table that
    fills and empties quickly, probe every pending row before the limit (seconds a call)."""
    sweep, head, blockers = _due_statements(table, lane, busy)
    t = now()
    tx.execute(sweep, {"b_t": t})
    rows = list(tx.execute(head, {"b_t": t, "b_limit": limit}).fetchall())
    if not rows:
        return rows
    lanes = sorted({getattr(r, lane.name) for r in rows})
    found = tx.execute(blockers, {"b_t": t, "b_lanes": lanes}).all()
    first_block: dict[str, int] = {str(key): int(first) for key, first in found}
    return [r for r in rows if r.id < first_block.get(getattr(r, lane.name), r.id + 1)]


@cache
def _due_statements(table: sa.Table, lane: sa.Column[Any], busy: str) -> tuple[Any, Any, Any]:
    t: sa.BindParameter[Any] = sa.bindparam("b_t")
    sweep = table.update().where(table.c.state == busy, table.c.next_at < t).values(state="pending")
    head = (
        sa.select(table)
        .where(table.c.state == "pending", table.c.next_at <= t)
        .order_by(table.c.id)
        .limit(sa.bindparam("b_limit"))
    )
    blocking = sa.or_(
        table.c.state == busy, sa.and_(table.c.state == "pending", table.c.next_at > t)
    )
    blockers = (
        sa.select(lane, sa.func.min(table.c.id))
        .where(lane.in_(sa.bindparam("b_lanes", expanding=True)), blocking)
        .group_by(lane)
    )
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
) -> tuple[list[tuple[sa.Row[Any], int]], list[int]]:
    """Mark ``rows`` (from :func:`due_in_order`) ``busy`` with a lease, in one statement.

    Returns (the rows this process may perform, in order, each with its attempt number; ids
    to give back with :func:`release`). Rows another process claimed first are missing; so
    are the rows of a lane behind one it could not claim, since they must not overtake it."""
    if not rows:
        return [], []
    values: dict[str, Any] = {"state": busy, "next_at": now() + timedelta(seconds=lease)}
    if count_attempt:
        values["attempts"] = table.c.attempts + 1
    got = {
        int(r[0]): int(r[1])
        for r in tx.execute(
            table.update()
            .where(table.c.id.in_([r.id for r in rows]), table.c.state == "pending")
            .values(**values)
            .returning(table.c.id, table.c.attempts)
        )
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
        values: dict[str, Any] = {"state": "pending", "next_at": now()}
        if uncount:
            values["attempts"] = table.c.attempts - 1
        tx.execute(table.update().where(table.c.id.in_(list(ids))).values(**values))


def _link(row: sa.Row[Any]) -> LinkRow:
    return LinkRow(
        id=row.id,
        ticket_ref=row.ticket_ref,
        issue_ref=row.issue_ref,
        route=row.route,
        mode=row.mode,
        state=row.state,
        tier=row.tier,
        gone_strikes=row.gone_strikes,
        reason=row.reason,
        created_at=utc(row.created_at) or now(),
        updated_at=utc(row.updated_at) or now(),
    )
