"""Shadows: the last snapshot syncd observed of each record (a ticket, an issue, a comment)
and the field values it wrote there itself; mixed into :class:`~syncd.store.repository.Store`.

A transaction reads each shadow from the store once. The worker asks for the same one
several times while it handles a change (to complete a partial snapshot, to diff it, for
the templates of the link it belongs to), so what a transaction has read or written is kept
with that transaction, and later reads in it are answered from there. A shadow is written
only through :meth:`Shadows.put_shadow`, which keeps that copy in step; a transaction that
ends, whether committed or rolled back, takes its copies with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa

from syncd.store.links import utc
from syncd.store.prepared import Prepared
from syncd.store.queue import Tx, now
from syncd.store.tables import shadows

_SHADOW = Prepared(sa.select(shadows).where(shadows.c.ref == sa.bindparam("ref")))
_HELD = "syncd.shadows"  # the key, in a connection's info, of its transaction's shadows


@dataclass(frozen=True)
class Shadow:
    observed: dict[str, Any] | None
    observed_at: datetime | None
    written: dict[str, Any]


def _held(tx: Tx) -> dict[str, Shadow] | None:
    """The shadows ``tx``'s current transaction has read or written; None outside one."""
    current = tx.get_transaction()
    if current is None:
        return None
    held: tuple[sa.RootTransaction, dict[str, Shadow]] | None = tx.info.get(_HELD)
    if held is None or held[0] is not current:
        held = tx.info[_HELD] = (current, {})
    return held[1]


class Shadows:
    """Reads and writes of shadows, one statement each at most."""

    def shadow(self, tx: Tx, ref: str) -> Shadow:
        """The shadow of ``ref`` (all parts empty when there is none yet)."""
        held = _held(tx)
        if held is not None and ref in held:
            found = held[ref]
            return Shadow(found.observed, found.observed_at, dict(found.written))
        row = _SHADOW.first(tx, {"ref": ref})
        if row is None:
            shadow = Shadow(None, None, {})
        else:
            shadow = Shadow(row.observed, utc(row.observed_at), dict(row.written or {}))
        if held is not None:
            held[ref] = Shadow(shadow.observed, shadow.observed_at, dict(shadow.written))
        return shadow

    def put_shadow(
        self,
        tx: Tx,
        ref: str,
        *,
        observed: dict[str, Any] | None = None,
        observed_at: datetime | None = None,
        written: dict[str, Any] | None = None,
    ) -> None:
        """Update the parts given; create the row when missing. One statement either way."""
        values: dict[str, Any] = {"ref": ref, "updated_at": now(), "written": written or {}}
        if observed is not None:
            values["observed"] = observed
            values["observed_at"] = observed_at
        _shadow_upsert(observed is not None, written is not None).run(tx, values)
        held = _held(tx)
        if held is not None and ref in held:  # one not read yet is read from the store
            was = held[ref]
            held[ref] = Shadow(
                was.observed if observed is None else observed,
                was.observed_at if observed is None else observed_at,
                was.written if written is None else dict(written),
            )


@cache
def _shadow_upsert(observed: bool, written: bool) -> Prepared:
    """``INSERT ... ON CONFLICT (ref) DO UPDATE`` of a shadow, setting on an existing row only
    the parts given (SQLite and PostgreSQL read it alike). A new row without ``observed``
    leaves it NULL; ``written`` is always given, ``{}`` when only the observed part is set,
    and then it is left as it was on an existing row. Written as text, built once per
    combination: it replaced an update followed, for a new shadow, by an insert."""
    seen = ["observed", "observed_at"] if observed else []
    given = ["ref", "written", "updated_at", *seen]
    kept = ["updated_at", *seen, *(["written"] if written else [])]
    update = ", ".join(f"{c} = excluded.{c}" for c in kept)
    stmt = sa.text(
        f"INSERT INTO shadows ({', '.join(given)}) VALUES ({', '.join(':' + c for c in given)}) "
        f"ON CONFLICT (ref) DO UPDATE SET {update}"
    )
    return Prepared(stmt.bindparams(*(sa.bindparam(c, type_=shadows.c[c].type) for c in given)))
