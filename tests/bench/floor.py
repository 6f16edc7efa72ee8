"""Figure 1's second reference, in its own process: the least a receiver must do to answer a
delivery durably, written as lean as Python allows.
``python -m tests.bench.floor PORT DB SECRET [id|body]``

Per delivery it checks ``X-Hub-Signature-256`` (HMAC-SHA256, constant-time compare), parses
the body as JSON with the parser syncd uses (a malformed one gets 400) and records the
delivery id in SQLite (WAL, ``synchronous=NORMAL``, as syncd's store) before it answers 202,
or 200 for a repeat. Deliveries waiting at the same moment share one commit, made on the
event loop after one turn of it, as syncd's intake makes it when the write lock is free.
No ORM, no framework, no mapping.

``id`` (the default) keeps only the delivery id: what remains of the delivery is lost if
the process stops before acting on it, so this is a floor under any receiver, not a design
for one. ``body`` also keeps the raw body in an inbox table with two indexes, like syncd's:
the least a receiver that loses nothing does without mapping the delivery first.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import sqlite3
import sys
from collections import deque
from typing import Any

import pydantic_core
import uvicorn

Waiting = tuple[str, bytes, "asyncio.Future[bool]"]
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY)",
    "CREATE TABLE IF NOT EXISTS inbox (id INTEGER PRIMARY KEY, ref TEXT, state TEXT, body BLOB)",
    "CREATE INDEX IF NOT EXISTS ix_inbox_state_id ON inbox (state, id)",
    "CREATE INDEX IF NOT EXISTS ix_inbox_ref_state ON inbox (ref, state)",
)


class Floor:
    """The ASGI app: verify, parse, group-commit the id (and the body), answer."""

    def __init__(self, db: str, secret: str, keep: str = "id") -> None:
        if keep not in ("id", "body"):
            raise ValueError(f"keep is id or body, not {keep!r}")
        self.db = db
        self.secret = secret.encode()
        self.body = keep == "body"
        self.queue: deque[Waiting] = deque()
        self.wake: asyncio.Event | None = None
        self.conn: sqlite3.Connection | None = None

    def _open(self) -> None:
        self.conn = sqlite3.connect(self.db, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        for statement in SCHEMA:
            self.conn.execute(statement)

    def _commit(self, batch: list[Waiting]) -> list[bool]:
        assert self.conn is not None
        ids = [i for i, _, _ in batch]
        values = ", ".join("(?)" for _ in ids)
        self.conn.execute("BEGIN IMMEDIATE")
        insert = f"INSERT INTO deliveries (id) VALUES {values} ON CONFLICT DO NOTHING RETURNING id"
        new = {row[0] for row in self.conn.execute(insert, ids)}
        fresh = [i in new for i in ids]
        if self.body:
            rows = [("github:raw", b) for (_, b, _), f in zip(batch, fresh, strict=True) if f]
            self.conn.executemany(
                "INSERT INTO inbox (ref, state, body) VALUES (?, 'pending', ?)", rows
            )
        self.conn.execute("COMMIT")
        return fresh

    async def _committer(self) -> None:
        assert self.wake is not None
        while True:
            if not self.queue:
                self.wake.clear()
                await self.wake.wait()
                continue
            await asyncio.sleep(0)
            batch = [self.queue.popleft() for _ in range(min(len(self.queue), 256))]
            for (_, _, done), new in zip(batch, self._commit(batch), strict=True):
                done.set_result(new)

    async def _answer(self, scope: dict[str, Any], receive: Any) -> tuple[int, bytes]:
        parts = []
        more = True
        while more:
            msg = await receive()
            parts.append(msg.get("body", b""))
            more = msg.get("more_body", False)
        body = b"".join(parts)
        headers = dict(scope["headers"])
        given = headers.get(b"x-hub-signature-256", b"")
        want = b"sha256=" + hmac.new(self.secret, body, hashlib.sha256).hexdigest().encode()
        if not hmac.compare_digest(given, want):
            return 401, b'{"error":"bad signature"}'
        try:
            pydantic_core.from_json(body, cache_strings="keys")
        except ValueError:
            return 400, b'{"error":"not JSON"}'
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.queue.append((headers.get(b"x-github-delivery", b"").decode(), body, done))
        assert self.wake is not None
        self.wake.set()
        return (202, b'{"status":"accepted"}') if await done else (200, b'{"status":"dup"}')

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    self._open()
                    self.wake = asyncio.Event()
                    self._task = asyncio.get_running_loop().create_task(self._committer())
                    await send({"type": "lifespan.startup.complete"})
                elif msg["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        status, body = await self._answer(scope, receive)
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def main() -> None:
    port, db, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    keep = sys.argv[4] if len(sys.argv) > 4 else "id"
    # the same uvicorn settings as syncd.daemon.app.serve
    uvicorn.run(
        Floor(db, secret, keep), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )


if __name__ == "__main__":
    main()
