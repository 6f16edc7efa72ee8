"""Guarantee 2, faults: 5xx, timeouts, connection resets (before and after the vendor did the
work), 429 with ``Retry-After`` and an exhausted rate budget. Everything converges, exactly
once; transient failures never reach dead letters; the daemon waits as told."""

from __future__ import annotations

import random
import time

from syncd.testing.sandbox import Sandbox
from tests.chaos.harness import PROJECT, Workload, converge, requests_made, verify

# about one request in five fails, one way or another
FAULTS = [
    {"kind": "status", "status": 502, "probability": 0.05},
    {"kind": "status", "status": 503, "probability": 0.03},
    {"kind": "reset", "probability": 0.04},
    {"kind": "reset_after", "probability": 0.04},
    {"kind": "timeout", "seconds": 1.5, "probability": 0.02},
    {"kind": "rate_limit", "seconds": 1, "probability": 0.02},
]


def _storm(sb: Sandbox, on: bool) -> None:
    for side in sb.sides.values():
        faults = side.emulator.control.faults
        faults.clear()
        if on:
            for spec in FAULTS:
                faults.add(times=None, **spec)  # type: ignore[arg-type]


def test_transient_faults_converge_exactly_once(chaos_sb: Sandbox) -> None:
    sb = chaos_sb
    assert sb.service is not None
    _storm(sb, True)
    work = Workload(sb, random.Random(11), max_cases=8)
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        work.step()
        time.sleep(0.05)
    verdict, took = converge(sb, work.cases, timeout=60)
    fired = {
        name: sum(r.fired for r in side.emulator.control.faults.rules)
        for name, side in sb.sides.items()
    }
    _storm(sb, False)
    sb.settle(timeout=60)
    verdict = verify(sb, work.cases)
    depth = sb.service.store.depth()
    print(
        f"\nfaults: fed {work.fed} changes on {len(work.cases)} tickets, faults fired {fired}, "
        f"converged {took:.1f}s after the last change, "
        f"{requests_made(sb) / max(1, work.fed):.2f} requests per change, dead {depth['dead']}"
    )
    assert verdict.ok, verdict
    assert sum(fired.values()) > 10
    assert depth["dead"] == 0  # transient failures never reach dead letters


def test_exhausted_budget_is_waited_out_not_hammered(chaos_sb: Sandbox) -> None:
    sb = chaos_sb
    assert sb.service is not None
    gh = sb.tracker.emulator
    first = sb.helpdesk.create_ticket("before the budget ran out", "x", tags=["escalate"])
    sb.wait("first issue", lambda: sb.tracker.issues(PROJECT))
    sb.settle()
    hold = 4.0
    gh.exhaust_budget("syncd-bot", for_seconds=hold)
    writes_before = gh.control.total("POST") + gh.control.total("PATCH")
    start = time.monotonic()
    tickets = [
        sb.helpdesk.create_ticket(f"while exhausted {i}", "x", tags=["escalate"]) for i in range(5)
    ]
    time.sleep(hold - 1.0)
    refused = gh.control.total("POST") + gh.control.total("PATCH") - writes_before
    health = sb.service.health.snapshot()["github"]
    sb.wait("issues after the reset", lambda: len(sb.tracker.issues(PROJECT)) == 6, timeout=30)
    took = time.monotonic() - start
    sb.settle()
    print(
        f"\nbudget: 5 tickets while exhausted for {hold}s: {refused} write requests refused, "
        f"held for {health['held_for']}s, all issues {took:.1f}s after"
    )
    # one refusal tells the daemon when to come back and it waits; only the requests already
    # in flight on its other lanes at that moment meet the refusal too
    assert refused <= sb.service.settings.engine.lanes + 1
    assert took >= hold - 0.5
    assert sb.service.store.depth()["dead"] == 0
    assert first and tickets
