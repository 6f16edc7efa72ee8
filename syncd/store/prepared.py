"""The store's statements, each built once with SQLAlchemy Core and run in the caller's
transaction. Named constants keep the hot statements readable and compiled once (SQLAlchemy's
compiled cache does the rest); :class:`Prepared` only gives them a short way to run."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from syncd.store.queue import Tx


class Prepared:
    """A Core statement run through the transaction's connection."""

    def __init__(self, stmt: sa.Executable) -> None:
        self.stmt = stmt

    def rows(self, tx: Tx, params: Mapping[str, Any] | None = None) -> list[Any]:
        """Every row the statement gives back."""
        return list(tx.execute(self.stmt, dict(params or {})))

    def first(self, tx: Tx, params: Mapping[str, Any] | None = None) -> Any | None:
        """The first row, or None."""
        return tx.execute(self.stmt, dict(params or {})).first()

    def run(self, tx: Tx, params: Mapping[str, Any] | None = None) -> int:
        """Run it; the number of rows it changed."""
        return tx.execute(self.stmt, dict(params or {})).rowcount or 0

    def many(self, tx: Tx, params: Iterable[Mapping[str, Any]]) -> None:
        """Run it once per set of parameters, as one executemany."""
        batch = [dict(p) for p in params]
        if batch:
            tx.execute(self.stmt, batch)
