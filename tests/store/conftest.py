"""What the store's tests share: a store on a SQLite file, for what only SQLite has (the
direct writer, WAL checkpoints)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from syncd.store.repository import Store


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    s = Store.open(sqlite_url)
    yield s
    s.close()
