"""The ledger of files syncd carried between tickets and issues (table ``files``).

One row per file an action looked at: sent (attached), linked (a signed link), a duplicate
(the same content was already there), or refused (with why). The content hash answers
"is this file already there?" for either direction: content that reached a ticket or an
issue, or came from it, is not sent to it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from syncd.store.repository import Store, Tx, now
from syncd.store.tables import files

CARRIED = ("sent", "linked")


def seen(tx: Tx, where: str, sha256: str) -> bool:
    """Whether content ``sha256`` already reached ``where`` or came from it."""
    q = (
        sa.select(files.c.id)
        .where(
            files.c.sha256 == sha256,
            files.c.outcome.in_(CARRIED),
            sa.or_(files.c.target == where, files.c.origin == where),
        )
        .limit(1)
    )
    return tx.execute(q).first() is not None


def ledger(store: Store) -> Any:
    """``seen`` over ``store``, read without the write lock (for the runner's file desk)."""

    def ask(where: str, sha256: str) -> bool:
        with store.peek() as conn:
            return seen(conn, where, sha256)

    return ask


def add(
    tx: Tx,
    *,
    link_id: int | None,
    origin: str,
    target: str,
    key: str,
    rows: Sequence[dict[str, Any]],
) -> None:
    """Write one row per file (``name``, ``outcome``, ``sha256``, ``size``, ``reason``)."""
    if not rows:
        return
    at = now()
    tx.execute(
        files.insert(),
        [
            {
                "link_id": link_id,
                "origin": origin,
                "target": target,
                "key": key[:300],
                "created_at": at,
                "name": r["name"],
                "outcome": r["outcome"],
                "sha256": r.get("sha256"),
                "size": r.get("size"),
                "reason": r.get("reason"),
            }
            for r in rows
        ],
    )


def carried(tx: Tx, link_id: int) -> list[dict[str, Any]]:
    """Every row of a link, oldest first (for tests and the audit trail)."""
    q = sa.select(files).where(files.c.link_id == link_id).order_by(files.c.id)
    return [dict(r._mapping) for r in tx.execute(q)]
