"""A small HTTP/1.1 load generator, run in its own process so it does not share the GIL with
the server it measures.

It speaks raw HTTP over asyncio streams (keep-alive, one request in flight per connection):
lighter than any client library, so the server, not the generator, sets the pace.

Closed loop (``rate`` 0): ``concurrency`` connections send back to back; the rate is what the
server sustains. Open loop (``rate`` > 0): requests are due at fixed intervals and latency is
counted from when each was due, so a slow answer that delays the next send is not hidden.

Usage: ``python -m tests.bench.loadgen < spec.json`` prints one JSON result line. The spec:
``{"host", "port", "path", "headers", "body", "id_header", "id_prefix", "count",
"concurrency", "rate"}``; ``id_header`` gets ``{id_prefix}-{n}`` so each request is a new
delivery.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any


def _request(spec: dict[str, Any], n: int) -> bytes:
    body = spec["body"].encode()
    headers = dict(spec.get("headers") or {})
    if spec.get("id_header"):
        headers[spec["id_header"]] = f"{spec.get('id_prefix', 'd')}-{n}"
    head = [f"POST {spec['path']} HTTP/1.1", f"Host: {spec['host']}:{spec['port']}"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, req: bytes) -> int:
    writer.write(req)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    """Send ``count`` requests; return statuses, elapsed seconds and latencies (ms)."""
    count = int(spec["count"])
    conc = int(spec.get("concurrency", 8))
    rate = float(spec.get("rate", 0.0))
    requests = [_request(spec, n) for n in range(count)]
    conns = [await asyncio.open_connection(spec["host"], spec["port"]) for _ in range(conc)]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    start = time.perf_counter()

    def record(status: int, began: float) -> None:
        latencies.append((time.perf_counter() - began) * 1000.0)
        statuses[status] = statuses.get(status, 0) + 1

    if rate <= 0:
        nxt = iter(range(count))

        async def worker(conn: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> None:
            nonlocal errors
            for n in nxt:
                began = time.perf_counter()
                try:
                    record(await _exchange(*conn, requests[n]), began)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    errors += 1
                    return

        await asyncio.gather(*(worker(c) for c in conns))
    else:
        idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
        for c in conns:
            idle.put_nowait(c)

        async def one(n: int, due: float) -> None:
            nonlocal errors
            conn = await idle.get()
            try:
                record(await _exchange(*conn, requests[n]), due)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
            finally:
                idle.put_nowait(conn)

        tasks = []
        for n in range(count):
            due = start + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n, due)))
        await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    for _, writer in conns:
        writer.close()
    return {
        "count": count,
        "elapsed": elapsed,
        "statuses": {str(k): v for k, v in statuses.items()},
        "errors": errors,
        "latencies_ms": latencies,
    }


def main() -> None:
    spec = json.loads(sys.stdin.read())
    print(json.dumps(asyncio.run(run(spec))))


if __name__ == "__main__":
    main()
