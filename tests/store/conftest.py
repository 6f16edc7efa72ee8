"""What the store's tests share: a store on a SQLite file, for what only SQLite has (the
WAL checkpoints), and a capture of the statements a store sends."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from syncd.store.repository import Store


@contextlib.contextmanager
def statements_sent(store: Store, keep: Callable[[str], bool]) -> Iterator[list[tuple[str, Any]]]:
    """The statements (with their parameters) sent to the store meanwhile that ``keep``."""
    sent: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        observe(statement, params)

    def observe(statement: str, params: Any) -> None:
        if keep(statement):
            sent.append((statement, params))

    sa.event.listen(store.engine, "before_cursor_execute", capture)
    try:
        yield sent
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", capture)


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    s = Store.open(sqlite_url)
    yield s
    s.close()
