"""The store's hottest statements, run on the driver's own connection.

SQLAlchemy Core builds every statement of the store. Running one through a ``Connection``
costs an execution context, parameter processing and a result object: a shadow read took 39
µs that way and 12 on SQLite's own driver, in a loop (BENCHMARKS.md). At about twenty
statements per synced change that was the largest part of the worker's time, and of the
time it holds SQLite's write lock while the others wait.

A :class:`Prepared` statement is a Core statement compiled once per dialect and run on the
cursor of the transaction's own connection, inside that transaction. Values go in and come
out through the columns' own types, converted as SQLAlchemy converts them, so what it writes
reads back alike either way; rows come back as named tuples. A statement whose text varies
from call to call (an ``IN`` list of any length) stays with SQLAlchemy.

``OBSERVERS`` are called with each statement and its parameters before it runs, as
SQLAlchemy's ``before_cursor_execute`` listeners are for the others.
"""

from __future__ import annotations

import functools
from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.sql.compiler import SQLCompiler

from syncd.store.queue import Tx

Observer = Callable[[str, Any], None]
OBSERVERS: list[Observer] = []
Convert = Callable[[Any], Any]


@dataclass(frozen=True)
class _Compiled:
    """A statement as one dialect runs it."""

    sql: str
    positional: bool
    names: tuple[str, ...]  # the parameters in the order a positional paramstyle takes them
    defaults: dict[str, Any]  # every parameter, with the value the statement gives it
    binds: tuple[tuple[str, Convert], ...]
    results: tuple[Convert | None, ...]
    convert: bool  # whether any result column needs converting
    row: Any  # the named tuple type of a row; None when the statement returns none


def _columns(stmt: sa.ClauseElement) -> list[Any]:
    if isinstance(stmt, sa.TextClause):
        return []
    return list(getattr(stmt, "exported_columns", ()) or ())


def _compile(stmt: sa.ClauseElement, dialect: sa.Dialect) -> _Compiled:
    compiled = cast(SQLCompiler, stmt.compile(dialect=dialect))
    defaults = dict(compiled.construct_params(_check=False) or {})
    binds: list[tuple[str, Convert]] = []
    for name in defaults:
        bind = compiled.binds.get(name)
        if bind is None:
            continue
        if bind.expanding:
            raise ValueError(f"{name}: a list parameter changes the statement's text")
        convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if convert is not None:
            binds.append((name, convert))
    columns = _columns(stmt)
    results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
    row = namedtuple("Row", [c.key for c in columns], rename=True) if columns else None
    return _Compiled(
        sql=compiled.string,
        positional=bool(dialect.positional),
        names=tuple(compiled.positiontup or ()),
        defaults=defaults,
        binds=tuple(binds),
        results=results,
        convert=any(r is not None for r in results),
        row=row,
    )


class Prepared:
    """A Core statement run on the driver's cursor, in the caller's transaction."""

    def __init__(self, stmt: sa.ClauseElement) -> None:
        self.stmt = stmt
        # per dialect (name, driver): the compiled text depends on nothing else
        self._compiled: dict[tuple[str, str], _Compiled] = {}

    def rows(self, tx: Tx, params: Mapping[str, Any] | None = None) -> list[Any]:
        """Every row the statement gives back (named tuples)."""
        c, cursor = self._execute(tx, params)
        try:
            return self._rows(c, cursor, cursor.fetchall())
        finally:
            cursor.close()

    def first(self, tx: Tx, params: Mapping[str, Any] | None = None) -> Any | None:
        """The first row, or None."""
        c, cursor = self._execute(tx, params)
        try:
            raw = cursor.fetchone()
            return None if raw is None else self._rows(c, cursor, [raw])[0]
        finally:
            cursor.close()

    def run(self, tx: Tx, params: Mapping[str, Any] | None = None) -> int:
        """Run it for its effect; the number of rows it touched."""
        _, cursor = self._execute(tx, params)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def many(self, tx: Tx, params: Iterable[Mapping[str, Any]]) -> None:
        """Run it once for each set of parameters, in one call to the driver."""
        c = self._ready(tx)
        values = [self._values(c, p) for p in params]
        if values:
            _send(tx, c.sql, values, many=True).close()

    def _ready(self, tx: Tx) -> _Compiled:
        dialect = tx.dialect
        key = (dialect.name, dialect.driver)
        c = self._compiled.get(key)
        if c is None:
            c = self._compiled[key] = _compile(self.stmt, dialect)
        return c

    def _execute(self, tx: Tx, params: Mapping[str, Any] | None) -> tuple[_Compiled, Any]:
        c = self._ready(tx)
        return c, _send(tx, c.sql, self._values(c, params or {}))

    @staticmethod
    def _values(c: _Compiled, params: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        values = dict(c.defaults)
        for name, value in params.items():
            if name in values:
                values[name] = value
        for name, convert in c.binds:
            values[name] = convert(values[name])
        return tuple(values[n] for n in c.names) if c.positional else values

    @staticmethod
    def _rows(c: _Compiled, cursor: Any, raw: list[Any]) -> list[Any]:
        row: Any = c.row
        if row is None:  # text: the names the driver reports, no conversion
            return [_named(tuple(d[0] for d in cursor.description))(*r) for r in raw]
        if not c.convert:
            return [row(*r) for r in raw]
        results = c.results
        return [
            row(*(v if f is None or v is None else f(v) for f, v in zip(results, r, strict=True)))
            for r in raw
        ]


@functools.cache
def _named(names: tuple[str, ...]) -> Any:
    """The row type of a text statement's columns, made once: a class made for every row
    would be garbage only the cyclic collector frees."""
    return namedtuple("Row", names, rename=True)


def _send(tx: Tx, sql: str, values: Any, *, many: bool = False) -> Any:
    """Show ``sql`` to the observers and run it on a cursor of the driver's connection under
    ``tx`` (in its transaction, if one has begun); the cursor, for the caller to close."""
    for observe in OBSERVERS:
        observe(sql, values)
    raw = tx.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        (cursor.executemany if many else cursor.execute)(sql, values)
    except BaseException:
        cursor.close()
        raise
    return cursor
