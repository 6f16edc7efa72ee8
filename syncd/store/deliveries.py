"""Deliveries on their way into the store: each delivery id recorded once, the changes of the
new ones written to the inbox, in the transaction the caller gives or, for a caller on the
event loop, at once or not at all (:meth:`Deliveries.ingest_now`).

A delivery is received as ``(connector, delivery id or None, changes)``. A delivery without
an id cannot be told from a repeat, so it is always new; one repeated within a batch counts
once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from syncd.model import Change
from syncd.store.tables import deliveries, inbox

Tx = sa.Connection
Received = tuple[str, str | None, Sequence[Change]]

# delivery ids per INSERT: two parameters each, under the 999 older SQLite builds allow
_RECORD_CHUNK = 300
_RECORD_STATEMENTS: dict[int, sa.TextClause] = {}


def record_statement(rows: int) -> sa.TextClause:
    """The multi-row insert of :meth:`Deliveries.record_deliveries` for ``rows`` delivery ids.

    Written as text because SQLAlchemy compiles a dialect's ``ON CONFLICT`` insert anew on
    every execution (it is not cached), which costs more than the insert; SQLite and
    PostgreSQL read this statement alike."""
    stmt = _RECORD_STATEMENTS.get(rows)
    if stmt is None:
        values = ", ".join(f"(:c{i}, :d{i}, :t)" for i in range(rows))
        stmt = _RECORD_STATEMENTS[rows] = sa.text(
            "INSERT INTO deliveries (connector, delivery_id, received_at) VALUES "
            f"{values} ON CONFLICT DO NOTHING RETURNING connector, delivery_id"
        ).bindparams(sa.bindparam("t", type_=deliveries.c.received_at.type))
    return stmt


def record_chunks(
    pairs: Iterable[tuple[str, str]], t: Any
) -> Iterable[tuple[sa.TextClause, dict[str, Any]]]:
    """The statements and parameters that record ``pairs`` (each once) at time ``t``."""
    unique = list(dict.fromkeys(pairs))
    for start in range(0, len(unique), _RECORD_CHUNK):
        chunk = unique[start : start + _RECORD_CHUNK]
        params: dict[str, Any] = {"t": t}
        for i, (connector, delivery_id) in enumerate(chunk):
            params[f"c{i}"] = connector
            params[f"d{i}"] = delivery_id
        yield record_statement(len(chunk)), params


INBOX_COLUMNS = (
    "ref",
    "connector",
    "source",
    "change",
    "state",
    "attempts",
    "next_at",
    "received_at",
)


def change_value(change: Change) -> dict[str, Any]:
    """What the inbox's ``change`` column holds: the change as canonical JSON values."""
    return change.model_dump(mode="json", exclude_defaults=True)


def change_text(change: Change) -> str:
    """:func:`change_value` as JSON text, serialised by pydantic-core in one step."""
    return change.model_dump_json(exclude_defaults=True)


def inbox_values(
    changes: Sequence[Change], t: Any, dump: Callable[[Change], Any] = change_value
) -> list[tuple[Any, ...]]:
    """The inbox rows of ``changes`` as values in ``INBOX_COLUMNS`` order, received at ``t``
    (a datetime, or its value as the driver takes it) and due at once; ``dump`` gives the
    ``change`` column's value."""
    return [(str(c.ref), c.ref.connector, c.source, dump(c), "pending", 0, t, t) for c in changes]


def inbox_rows(
    changes: Sequence[Change], t: Any, dump: Callable[[Change], Any] = change_value
) -> list[dict[str, Any]]:
    """:func:`inbox_values` as ``{column: value}`` rows."""
    return [dict(zip(INBOX_COLUMNS, v, strict=True)) for v in inbox_values(changes, t, dump)]


def ingest_with(
    received: Sequence[Received],
    record: Callable[[list[tuple[str, str]]], set[tuple[str, str]]],
    enqueue: Callable[[list[Change]], int],
) -> tuple[list[bool], int]:
    """Record the deliveries' ids with ``record`` (which returns the pairs that are new) and
    write the new deliveries' changes, in order, with ``enqueue``; return, for each
    delivery, whether it is new, and how many changes were written. The bookkeeping of
    :meth:`Deliveries.ingest`, whichever connection writes."""
    ids = [(name, delivery_id) for name, delivery_id, _ in received if delivery_id]
    recorded = record(ids) if ids else set()
    first: set[tuple[str, str]] = set()
    fresh: list[bool] = []
    changes: list[Change] = []
    for name, delivery_id, delivered in received:
        key = (name, delivery_id or "")
        new = not delivery_id or (key in recorded and key not in first)
        first.add(key)
        fresh.append(new)
        if new:
            changes.extend(delivered)
    return fresh, enqueue(changes)


class Deliveries:
    """The store's intake side; mixed into :class:`~syncd.store.repository.Store`."""

    engine: sa.Engine

    def record_deliveries(
        self, tx: Tx, connector_and_ids: Iterable[tuple[str, str]]
    ) -> set[tuple[str, str]]:
        """Record many delivery ids at once; return the ``(connector, id)`` pairs that are new.

        One multi-row ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` (per 300 ids): the rows
        it returns are those not recorded before. A pair given twice is recorded once."""
        fresh: set[tuple[str, str]] = set()
        for stmt, params in record_chunks(connector_and_ids, datetime.now(UTC)):
            fresh.update((str(c), str(d)) for c, d in tx.execute(stmt, params))
        return fresh

    def enqueue(self, tx: Tx, changes: Sequence[Change]) -> int:
        """Write changes to the inbox."""
        if changes:
            tx.execute(inbox.insert(), inbox_rows(changes, datetime.now(UTC)))
        return len(changes)

    def ingest(self, tx: Tx, received: Sequence[Received]) -> tuple[list[bool], int]:
        """Record the deliveries' ids and the new ones' changes in ``tx`` (two statements);
        return, for each delivery, whether it is new, and how many changes were written."""
        return ingest_with(
            received,
            lambda ids: self.record_deliveries(tx, ids),
            lambda changes: self.enqueue(tx, changes),
        )

    def prune_deliveries(self, older_than: timedelta) -> int:
        """Forget delivery ids recorded before ``older_than`` ago."""
        with self.engine.begin() as tx:
            res = tx.execute(
                deliveries.delete().where(deliveries.c.received_at < datetime.now(UTC) - older_than)
            )
            return res.rowcount or 0
