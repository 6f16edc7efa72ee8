"""Guarantee 9, floods: a burst of thousands of signed webhook deliveries, many of them
repeats, is accepted and persisted without error while both vendor APIs hang (a webhook answer
never waits on a remote API), with memory that stays bounded; afterwards the backlog drains in
order, each comment copied exactly once. Guarantee 5, order, is checked on the way."""

from __future__ import annotations

import os
import re
import resource
import time
import tracemalloc
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from syncd.model import Ref, TicketStatus
from syncd.testing.sandbox import Sandbox
from tests.chaos.harness import PROJECT, soak


def _escalated(sb: Sandbox, n: int) -> list[tuple[Ref, Ref]]:
    tickets = [sb.helpdesk.create_ticket(f"Flooded {k}", "x", tags=["escalate"]) for k in range(n)]
    for t in tickets:
        sb.wait("hand-off", lambda t=t: sb.helpdesk.ticket(t).status == TicketStatus.ON_HOLD)
    sb.settle()
    issues = {i.title: i.ref for i in sb.tracker.issues(PROJECT)}
    return [(t, issues[f"Flooded {k}"]) for k, t in enumerate(tickets)]


@pytest.mark.timeout(0 if soak() else 300)  # a soak run takes as long as it takes
def test_webhook_flood_is_taken_in_and_drained_in_order(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SYNCD_CONNECTORS__GITHUB__TIMEOUT", "1")
    monkeypatch.setenv("SYNCD_CONNECTORS__ZENDESK__TIMEOUT", "1")
    refs = 4
    comments = 30 * (soak() * 20 or 1)  # per issue
    repeats = 3  # vendors redeliver: each delivery arrives three times
    sb = Sandbox(folder=tmp_path, webhooks=True, poll_interval=3600.0)
    sb.start()
    try:
        assert sb.service is not None
        pairs = _escalated(sb, refs)
        gh = sb.tracker.emulator
        sender = gh.control.webhooks
        sender.configure(None)  # capture the deliveries; this test sends them itself
        sender.capture_limit = comments * refs
        lanes: list[list[tuple[str, dict[str, str], bytes]]] = []
        for _, issue in pairs:
            sender.captured.clear()
            for i in range(comments):
                sb.tracker.comment(issue, f"flood:{i}; step {i}")
            lanes.append(
                [d for d in sender.captured if d[0] == "issue_comment" for _ in range(repeats)]
            )
        for side in sb.sides.values():
            side.emulator.control.faults.latency = 30.0  # both vendor APIs hang meanwhile

        def post(lane: list[tuple[str, dict[str, str], bytes]]) -> Counter[int]:
            # one issue's deliveries in the order they happened, its redeliveries right
            # behind; the issues themselves race each other
            return Counter(
                client.post(f"{sb.url}/webhooks/github", content=d[2], headers=d[1]).status_code
                for d in lane
            )

        burst = [d for lane in lanes for d in lane]
        tracemalloc.start()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.monotonic()
        with httpx.Client(timeout=10.0) as client, ThreadPoolExecutor(refs) as pool:
            codes = sum(pool.map(post, lanes), Counter())
        took = time.monotonic() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(
            f"\nflood: {len(burst)} deliveries in {took:.1f}s ({len(burst) / took:.0f}/s) "
            f"while the APIs hang: {dict(codes)}; traced peak {peak / 2**20:.1f} MiB, "
            f"max RSS {rss_before / 1024:.0f} -> {rss_after / 1024:.0f} MiB (pid {os.getpid()})"
        )
        # every delivery answered, none waited on the hanging APIs; repeats acknowledged
        assert codes == {202: comments * refs, 200: comments * refs * (repeats - 1)}
        for side in sb.sides.values():
            side.emulator.control.faults.latency = 0.0
        sb.settle(timeout=300)
        for ticket, _ in pairs:
            copies = [c.body for c in sb.helpdesk.comments(ticket) if "flood:" in c.body]
            seen = [int(m.group(1)) for b in copies for m in [re.search(r"flood:(\d+);", b)] if m]
            assert seen == list(range(comments))  # each once, in the order they were made
        assert sb.service.store.depth() == {"inbox": 0, "outbox": 0, "dead": 0}
    finally:
        sb.stop()
