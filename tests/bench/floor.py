"""Figure 1's second reference, in its own process: the least a receiver must do to answer a
delivery durably, written as lean as Python allows. ``python -m tests.bench.floor PORT DB SECRET``

Per delivery it checks ``X-Hub-Signature-256`` (HMAC-SHA256, constant-time compare), parses
the body as JSON (a malformed one gets 400) and records the delivery id in SQLite (WAL,
``synchronous=NORMAL``, as syncd's store) before it answers 202, or 200 for a repeat.
Deliveries waiting at the same moment share one commit, on one thread, as in syncd's intake.
No ORM, no framework, no mapping, no inbox: what it reaches is what the runtime allows a
durable answer to cost, so the gap between it and the bare 202 app is not syncd's to close.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import sqlite3
import sys
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import uvicorn

Waiting = tuple[str, "asyncio.Future[bool]"]


class Floor:
    """The ASGI app: verify, parse, group-commit the id, answer."""

    def __init__(self, db: str, secret: str) -> None:
        self.db = db
        self.secret = secret.encode()
        self.queue: deque[Waiting] = deque()
        self.wake: asyncio.Event | None = None
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="commit")
        self.conn: sqlite3.Connection | None = None

    def _open(self) -> None:
        self.conn = sqlite3.connect(self.db, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY)")

    def _commit(self, ids: list[str]) -> list[bool]:
        assert self.conn is not None
        self.conn.execute("BEGIN IMMEDIATE")
        fresh = [
            self.conn.execute(
                "INSERT INTO deliveries (id) VALUES (?) ON CONFLICT DO NOTHING", (i,)
            ).rowcount
            == 1
            for i in ids
        ]
        self.conn.execute("COMMIT")
        return fresh

    async def _committer(self) -> None:
        assert self.wake is not None
        loop = asyncio.get_running_loop()
        while True:
            if not self.queue:
                self.wake.clear()
                await self.wake.wait()
                continue
            batch = [self.queue.popleft() for _ in range(len(self.queue))]
            fresh = await loop.run_in_executor(self.pool, self._commit, [i for i, _ in batch])
            for (_, done), new in zip(batch, fresh, strict=True):
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
            json.loads(body)
        except ValueError:
            return 400, b'{"error":"not JSON"}'
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.queue.append((headers.get(b"x-github-delivery", b"").decode(), done))
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
    # the same uvicorn settings as syncd.daemon.app.serve
    uvicorn.run(
        Floor(db, secret), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )


if __name__ == "__main__":
    main()
