"""The measured side of figure 5, one process per store size so its memory is its own.

Fills a fresh SQLite store with ``links`` links (bulk inserts straight into the tables, each
with both shadows), builds the service against the parent's emulators and runs poll cycles
on cue: the parent makes the changes, says ``go``, and this process polls and drains once.

Protocol on stdin/stdout, one JSON document per line: in ``{"config", "links", "real",
"cycles"}``; out ``{"ready": n}`` before each cycle, ``{"cycle": n, "seconds", ...}`` after
it; the parent answers each ``ready`` with a line ``go``.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from datetime import UTC, datetime
from typing import Any

import yaml

from syncd import logs
from syncd.daemon.service import Service
from syncd.model import Issue, Ref, RefKind, Ticket, TicketStatus
from syncd.settings import parse
from syncd.store.repository import Store
from syncd.store.tables import links, shadows
from tests.bench.measure import peak_rss_mb, rss_mb

CHUNK = 5000


def fill(store: Store, count: int, real: list[tuple[str, str]], route: str) -> None:
    """``count`` links: the ``real`` (ticket, issue) pairs first, made-up ones after."""
    now = datetime.now(UTC)
    pairs = list(real)
    pairs += [
        (f"zendesk:ticket:{900_000 + i}", f"github:issue:acme/widgets#{500_000 + i}")
        for i in range(count - len(real))
    ]
    for i in range(0, len(pairs), CHUNK):
        chunk = pairs[i : i + CHUNK]
        link_rows = [
            {
                "ticket_ref": t,
                "issue_ref": s,
                "route": route,
                "mode": "pending",
                "state": "active",
                "gone_strikes": 0,
                "created_at": now,
                "updated_at": now,
            }
            for t, s in chunk
        ]
        shadow_rows = [
            {
                "ref": ref,
                "observed": _snapshot(ref),
                "observed_at": now,
                "written": {},
                "updated_at": now,
            }
            for pair in chunk
            for ref in pair
        ]
        with store.tx() as tx:
            tx.execute(links.insert(), link_rows)
            tx.execute(shadows.insert(), shadow_rows)


def _snapshot(ref: str) -> dict[str, Any]:
    """A shadow as the worker writes one: the canonical ticket or issue, dumped."""
    parsed = Ref.parse(ref)
    if parsed.kind == RefKind.TICKET:
        return Ticket(ref=parsed, status=TicketStatus.ON_HOLD).model_dump(mode="json")
    return Issue(ref=parsed).model_dump(mode="json")


def main() -> None:
    spec: dict[str, Any] = json.loads(sys.stdin.readline())
    logs.configure("json", "info")  # to stderr: stdout carries the protocol
    with open(spec["config"]) as fh:
        conf = yaml.safe_load(fh)
    settings = parse(conf, spec["config"])
    store = Store.open(settings.store.url)
    began = time.perf_counter()
    fill(store, int(spec["links"]), [tuple(p) for p in spec["real"]], settings.routes[-1].name)
    filled = time.perf_counter() - began
    gc.collect()
    service = Service(settings, store=store)
    service.check()
    service.poller.poll_all()  # cursors start from now
    service.drain()
    for n in range(int(spec["cycles"])):
        print(json.dumps({"ready": n}), flush=True)
        if sys.stdin.readline().strip() != "go":
            return
        t0 = time.perf_counter()
        polled = service.poller.poll_all()
        finished = service.drain()
        seconds = time.perf_counter() - t0
        print(
            json.dumps(
                {
                    "cycle": n,
                    "seconds": seconds,
                    "polled": polled,
                    "finished": finished,
                    "rss_mb": rss_mb(),
                    "peak_rss_mb": peak_rss_mb(),
                    "fill_seconds": filled,
                }
            ),
            flush=True,
        )
    service.stop(grace=0)


if __name__ == "__main__":
    main()
