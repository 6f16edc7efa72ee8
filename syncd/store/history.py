"""What the history pages keep in the store: the signing secret syncd made for itself, and
the last share of each link's conversation (from the audit)."""

from __future__ import annotations

import secrets as random
from typing import Any

import sqlalchemy as sa

from syncd.store.repository import Store, Tx, now
from syncd.store.tables import audit, secrets

HISTORY_KEY = "history"


def kept_secret(store: Store, name: str = HISTORY_KEY) -> bytes:
    """The secret called ``name``: made at random the first time, the same ever after (a
    replica that loses the race to make it reads the winner's)."""
    with store.tx() as tx:
        found = _read(tx, name)
    if found is not None:
        return found
    try:
        with store.tx() as tx:
            value = random.token_hex(32)
            tx.execute(secrets.insert().values(name=name, value=value, created_at=now()))
            return value.encode()
    except sa.exc.IntegrityError:
        with store.tx() as tx:
            again = _read(tx, name)
        assert again is not None
        return again


def _read(tx: Tx, name: str) -> bytes | None:
    row = tx.execute(sa.select(secrets.c.value).where(secrets.c.name == name)).first()
    return str(row.value).encode() if row else None


def last_shares(tx: Tx, event: str, link_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The detail of the newest ``event`` audit row of each of ``link_ids`` that has one."""
    if not link_ids:
        return {}
    q = (
        sa.select(audit.c.link_id, audit.c.detail)
        .where(audit.c.event == event, audit.c.link_id.in_(link_ids))
        .order_by(audit.c.id)
    )
    return {int(r.link_id): dict(r.detail or {}) for r in tx.execute(q)}
