"""A throw-away copy of a store, for a dry run: it works on the copy, so the real store
(cursors included) stays as it was, whatever the dry run takes in or plans."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from syncd.store import db
from syncd.store.repository import Store
from syncd.store.tables import audit, deliveries, metadata

SKIPPED = (audit, deliveries)  # history and webhook dedup: nothing a dry run plans from
CHUNK = 1000


def snapshot(source: Store, folder: Path) -> Store:
    """A SQLite copy of ``source`` (SQLite or PostgreSQL) in ``folder``, migrated to head,
    with every table's rows but the audit trail and the delivery ids."""
    copy = Store.open(f"sqlite:///{folder / 'dry-run.db'}")
    with source.engine.connect() as src, copy.tx() as dest:
        for table in metadata.sorted_tables:
            if table in SKIPPED:
                continue
            result = src.execution_options(stream_results=True).execute(sa.select(table))
            while rows := result.fetchmany(CHUNK):
                dest.execute(table.insert(), [dict(r._mapping) for r in rows])
    return copy


def exists(store_url: str) -> bool:
    """Whether the store at ``store_url`` can be read (a dry run needs one to copy)."""
    engine = db.make_engine(store_url)
    try:
        with engine.connect() as conn:
            return sa.inspect(conn).has_table("links")
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()
