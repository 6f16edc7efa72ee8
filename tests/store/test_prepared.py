"""Prepared statements: run on the driver, in the caller's transaction, with values converted
as SQLAlchemy converts them, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from syncd.store import prepared
from syncd.store.prepared import Prepared
from syncd.store.repository import Store
from syncd.store.tables import audit, outbox, shadows

AT = datetime(2026, 11, 3, 9, 30, 15, 250000, tzinfo=UTC)
DOC = {"status": "open", "tags": ["b", "a"], "n": 3, "nested": {"x": None, "ok": True}}

_SELECT = sa.select(shadows).where(shadows.c.ref == sa.bindparam("ref"))
_INSERT = shadows.insert().values({c.key: sa.bindparam(c.key, type_=c.type) for c in shadows.c})


def _values(ref: str) -> dict[str, object]:
    return {"ref": ref, "observed": DOC, "observed_at": AT, "written": {}, "updated_at": AT}


def test_a_row_written_either_way_reads_back_alike_either_way(store: Store) -> None:
    read, write = Prepared(_SELECT), Prepared(_INSERT)
    with store.tx() as tx:
        assert write.run(tx, _values("zd:ticket:1")) == 1
        tx.execute(_INSERT, _values("zd:ticket:2"))
    with store.tx() as tx:
        for ref in ("zd:ticket:1", "zd:ticket:2"):
            mine = read.first(tx, {"ref": ref})
            theirs = tx.execute(_SELECT, {"ref": ref}).first()
            assert mine is not None and theirs is not None
            assert tuple(mine) == tuple(theirs)
            assert mine.observed == DOC
            # SQLite keeps no zone: both ways give the same naive UTC time back
            at = mine.observed_at
            assert (at if at.tzinfo else at.replace(tzinfo=UTC)) == AT
        assert read.first(tx, {"ref": "zd:ticket:3"}) is None
        assert [r.ref for r in Prepared(sa.select(shadows).order_by(shadows.c.ref)).rows(tx)] == [
            "zd:ticket:1",
            "zd:ticket:2",
        ]


def test_it_runs_inside_the_callers_transaction(store: Store) -> None:
    write, read = Prepared(_INSERT), Prepared(_SELECT)
    with pytest.raises(RuntimeError), store.tx() as tx:
        write.run(tx, _values("zd:ticket:9"))
        assert read.first(tx, {"ref": "zd:ticket:9"}) is not None  # it sees its own write
        raise RuntimeError("roll back")
    with store.tx() as tx:
        assert read.first(tx, {"ref": "zd:ticket:9"}) is None


def test_defaults_in_the_statement_and_many_rows_in_one_call(store: Store) -> None:
    add = Prepared(
        audit.insert().values(
            event="noted", at=sa.bindparam("at"), detail=sa.bindparam("detail", type_=sa.JSON)
        )
    )
    seen: list[str] = []

    def observe(statement: str, params: object) -> None:
        seen.append(statement)

    prepared.OBSERVERS.append(observe)
    try:
        with store.tx() as tx:
            add.many(tx, [{"at": AT, "detail": {"n": n}} for n in range(3)])
            add.many(tx, [])
    finally:
        prepared.OBSERVERS.remove(observe)
    assert len(seen) == 1 and seen[0].startswith("INSERT INTO audit")
    with store.tx() as tx:
        rows = tx.execute(sa.select(audit.c.event, audit.c.detail).order_by(audit.c.id)).all()
    assert [(r.event, r.detail) for r in rows] == [("noted", {"n": n}) for n in range(3)]


def test_text_gives_rows_by_the_driver_s_names(store: Store) -> None:
    count = Prepared(sa.text("SELECT count(*) AS n FROM outbox"))
    with store.tx() as tx:
        row = count.first(tx)
    assert row is not None and row.n == 0


def test_a_list_parameter_is_refused() -> None:
    stmt = Prepared(
        sa.select(outbox.c.id).where(outbox.c.id.in_(sa.bindparam("ids", expanding=True)))
    )
    engine = sa.create_engine("sqlite://")
    with engine.connect() as conn, pytest.raises(ValueError, match="list parameter"):
        stmt.rows(conn, {"ids": [1, 2]})
