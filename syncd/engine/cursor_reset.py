"""Replacing a connector's poll cursor: ``syncd cursor reset`` and ``syncd reconcile``.

The new cursor comes from the connector (``cursor_since``), replaces the stored one and is
audited in the same transaction. A running daemon sees it on its next poll cycle: a connector
stuck on an unreadable cursor polls again from it, and a poll in flight does not overwrite it
(see :mod:`syncd.daemon.poller`).
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import UTC, datetime

from syncd.connector import Capability, Connector, PollCursors
from syncd.errors import CursorError
from syncd.store.repository import Store

AUDITED = 4000  # characters of a cursor kept in the audit row


@dataclass(frozen=True)
class Reset:
    """What a reset did."""

    connector: str
    since: datetime
    previous: str | None
    cursor: str


def cursor_ops(conn: Connector) -> PollCursors | None:
    """The connector's cursor operations, when it polls and declares them."""
    caps = conn.capabilities
    if (
        Capability.POLL in caps
        and Capability.CURSOR_SINCE in caps
        and isinstance(conn, PollCursors)
    ):
        return conn
    return None


def problem(conn: Connector, cursor: str | None) -> CursorError | None:
    """Why ``conn`` could not poll from ``cursor``, or None (no cursor yet means: from now)."""
    ops = cursor_ops(conn)
    if cursor is None or ops is None:
        return None
    try:
        ops.check_cursor(cursor)
    except CursorError as exc:
        return exc
    return None


def unreadable(store: Store, connectors: dict[str, Connector]) -> dict[str, CursorError]:
    """The connectors whose stored cursor their poll could not read."""
    found: dict[str, CursorError] = {}
    for name, conn in connectors.items():
        exc = problem(conn, store.cursor(name))
        if exc is not None:
            found[name] = exc
    return found


def reset(store: Store, name: str, conn: Connector, since: datetime, *, via: str) -> Reset:
    """Store a cursor of ``conn`` from which polls return what changed at or after ``since``.

    Raises ``ValueError`` when the connector cannot make one, and the connector's
    ``RemoteError`` when it had to ask the vendor and could not."""
    ops = cursor_ops(conn)
    if ops is None:
        raise ValueError(f"connector {name} does not poll with a cursor it can make from a time")
    since = since.astimezone(UTC) if since.tzinfo else since.replace(tzinfo=UTC)
    cursor = ops.cursor_since(since)
    previous = store.cursor(name)
    with store.tx() as tx:
        store.set_cursor(tx, name, cursor)
        store.audit(
            tx,
            "cursor_reset",
            connector=name,
            since=since.isoformat(),
            via=via,
            user=_user(),
            # whole (up to a bound), so the audit can tell what to put back
            previous=None if previous is None else previous[:AUDITED],
            cursor=cursor[:AUDITED],
        )
    return Reset(name, since, previous, cursor)


def _user() -> str | None:
    """Who ran the command, for the audit (a container may have no name for its uid)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None
