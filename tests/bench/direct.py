"""One webhook receiver called directly, without an HTTP server, for instruction counts.
``python -m tests.bench.direct APP N`` with APP ``syncd``, ``floor`` or ``floor_body``.

The app gets ASGI messages straight from this program, eight deliveries in flight as the
load generator keeps eight connections, so what is counted is the receiver's own work:
verifying, parsing and persisting (syncd's intake commits in batches, the floors too).
It sets up (emulators, store, migrations), sends ``N`` deliveries to warm up, prints
``READY`` and waits for a line on stdin: the benchmark turns callgrind's instrumentation on
in between (``callgrind_control -i on``), so set-up is not counted. Then it sends ``N``
more, each with its own delivery id, checks every answer is 202, prints ``COUNTED`` and
waits for another line (instrumentation goes off meanwhile) before it shuts down.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import tempfile
from pathlib import Path
from typing import Any

from syncd.testing.sandbox import Sandbox

LANES = 8  # deliveries in flight, as figure 1's load generator keeps connections


def _syncd(sb: Sandbox, folder: Path) -> tuple[Any, str, Any]:
    from syncd.daemon.app import create_app
    from syncd.daemon.service import Service
    from syncd.settings import parse

    app = create_app(Service(parse(sb.config(), str(folder / "syncd.yaml"))), manage=False)
    intake = app.state.intake
    return app, "/webhooks/github", intake


def _floor(sb: Sandbox, folder: Path, keep: str) -> tuple[Any, str, Any]:
    from tests.bench.floor import Floor

    floor = Floor(str(folder / "floor.db"), sb.sides["github"].secret, keep)
    return floor, "/", floor


async def _send(app: Any, path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "scheme": "http",
        "http_version": "1.1",
        "server": ("127.0.0.1", 8080),
        "client": ("127.0.0.1", 50000),
        "headers": headers,
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(msg: dict[str, Any]) -> None:
        sent.append(msg)

    await app(scope, receive, send)
    if sent[0]["status"] != 202:
        raise RuntimeError(f"answered {sent[0]['status']}: {sent[-1].get('body', b'')!r}")


async def _deliver(app: Any, path: str, delivery: dict[str, Any], ids: range) -> None:
    body = delivery["body"].encode()
    base = [(k.lower().encode(), v.encode()) for k, v in delivery["headers"].items()]
    base.append((b"content-length", str(len(body)).encode()))

    async def lane(k: int) -> None:
        for n in ids[k::LANES]:
            headers = [*base, (b"x-github-delivery", f"direct-{n}".encode())]
            await _send(app, path, headers, body)

    await asyncio.gather(*(lane(k) for k in range(LANES)))


async def _main(which: str, count: int) -> None:
    from tests.bench.bench_webhooks import signed_delivery

    folder = Path(tempfile.mkdtemp(prefix="syncd-bench-direct-"))
    sb = Sandbox(folder=folder, webhooks=True, poll_interval=3600.0)
    sb.start_emulators()
    try:
        delivery = signed_delivery(sb)
        if which == "syncd":
            app, path, owner = _syncd(sb, folder)
            owner.start()
        else:
            app, path, owner = _floor(sb, folder, "body" if which == "floor_body" else "id")
            owner._open()
            owner.wake = asyncio.Event()
            committer = asyncio.get_running_loop().create_task(owner._committer())
        await _deliver(app, path, delivery, range(count))
        gc.collect()
        gc.freeze()  # as `syncd run` does after start-up
        print("READY", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        await _deliver(app, path, delivery, range(count, 2 * count))
        print("COUNTED", flush=True)  # what follows, shutting down, is not counted
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        if which == "syncd":
            await owner.stop()
        else:
            committer.cancel()
    finally:
        sb.stop()
    print("DONE", flush=True)


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1], int(sys.argv[2])))
