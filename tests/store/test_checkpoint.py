"""WAL checkpoints on a SQLite store: never inside a commit, and the WAL starts over even
while writes never pause."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence

from connectors.github import webhooks
from connectors.github.mapping import Rules
from syncd.model import Change, ChangeKind
from syncd.store.db import WAL_LIMIT_BYTES
from syncd.store.deliveries import Received
from syncd.store.repository import Store
from tests.payloads import github_issues_event


def upserts() -> Sequence[Change]:
    """Changes as they come: a GitHub ``issues`` delivery parsed."""
    body = json.dumps(github_issues_event("opened")).encode()
    headers = {"X-GitHub-Event": "issues", "X-GitHub-Delivery": "x"}
    changes = webhooks.parse(headers, body, Rules(instance="gh")).changes
    assert changes and changes[0].kind is ChangeKind.UPSERT
    return changes


def ingest(store: Store, received: Sequence[Received]) -> list[bool]:
    with store.tx() as tx:
        return store.ingest(tx, received)[0]


def wal_bytes(store: Store) -> int:
    path = store.engine.url.database
    assert path
    return os.path.getsize(f"{path}-wal")


def test_checkpoints_run_in_the_background_not_in_a_commit(sqlite_store: Store) -> None:
    with sqlite_store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        assert conn.exec_driver_sql("PRAGMA journal_size_limit").scalar() == WAL_LIMIT_BYTES
    for n in range(50):
        ingest(sqlite_store, [("gh", f"c-{n}", upserts())])
        with sqlite_store.tx() as tx:
            sqlite_store.record_deliveries(tx, [("gh", f"t-{n}")])
    # nothing was copied back by the commits: every page written is still in the WAL
    done = sqlite_store.checkpoint()
    assert done is not None
    busy, in_wal, copied = done
    assert busy == 0 and in_wal > 100 and copied == in_wal
    # the next writer starts the WAL over: it does not keep growing
    ingest(sqlite_store, [("gh", "after", upserts())])
    again = sqlite_store.checkpoint()
    assert again is not None and again[1] < in_wal


def test_the_wal_starts_over_while_writes_never_pause(sqlite_store: Store) -> None:
    """A checkpoint beside a writer that never stops copies what was there when it began,
    while the writer appends more: alone it never finishes, and the WAL would grow for as
    long as the load lasts. The store's checkpoint finishes, so the WAL starts over."""
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        while not stop.is_set():
            with sqlite_store.tx() as tx:
                sqlite_store.record_deliveries(tx, [("gh", f"w-{written[0]}")])
            written[0] += 1

    thread = threading.Thread(target=writer)
    thread.start()
    per_commit = []  # pages in the WAL at each checkpoint, per commit since the one before
    try:
        last = 0
        for _ in range(8):
            while written[0] < last + 200:  # 200 commits or more between checkpoints
                stop.wait(0.001)
            done = sqlite_store.checkpoint()
            assert done is not None and done[0] == 0
            per_commit.append(done[1] / (written[0] - last))
            last = written[0]
    finally:
        stop.set()
        thread.join()
    # the WAL holds the commits since the last checkpoint, not every commit so far
    assert max(per_commit[-3:]) < 3 * min(per_commit[:2]), per_commit
    assert wal_bytes(sqlite_store) <= WAL_LIMIT_BYTES
