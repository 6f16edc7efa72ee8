"""Poll cursors: where each connector's poll (of each of its streams) stopped, stored in the
same transaction as the changes of the page that moved it; mixed into
:class:`~syncd.store.repository.Store`.

``swap_cursor`` stores a page's cursor only if nobody replaced the one the page was read
from (``syncd cursor reset`` in another process); the reads take no write lock. What a
cursor says is the connector's business (:mod:`syncd.cursors`).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa

from syncd.store.queue import Tx, now
from syncd.store.tables import cursors


class Cursors:
    """The poll cursors of :class:`~syncd.store.repository.Store`."""

    # the Store's: a connection for reads only, that takes no write lock
    peek: Callable[[], AbstractContextManager[Tx]]

    def cursor(self, connector: str, stream: str = "default") -> str | None:
        """The stored poll cursor of ``connector`` (None: none yet); takes no write lock."""
        with self.peek() as conn:
            return conn.execute(
                sa.select(cursors.c.value).where(
                    cursors.c.connector == connector, cursors.c.stream == stream
                )
            ).scalar()

    def all_cursors(self) -> list[sa.Row[Any]]:
        """Every stored cursor: connector, stream, value, updated_at; by connector."""
        with self.peek() as conn:
            query = sa.select(cursors).order_by(cursors.c.connector, cursors.c.stream)
            return list(conn.execute(query).fetchall())

    def swap_cursor(
        self, tx: Tx, connector: str, old: str | None, new: str | None, stream: str = "default"
    ) -> bool:
        """Store ``new`` only if the cursor is still ``old``; False when another process (a
        ``syncd cursor reset``) replaced it meanwhile."""
        where = [cursors.c.connector == connector, cursors.c.stream == stream]
        # FOR UPDATE: on PostgreSQL a reset waits for this transaction (SQLite's is one writer)
        current = tx.execute(sa.select(cursors.c.value).where(*where).with_for_update()).first()
        if current is None:
            if old is not None:
                return False
        elif current.value != old:
            return False
        self.set_cursor(tx, connector, new, stream)
        return True

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
