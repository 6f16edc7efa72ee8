"""Guarantee 1, crash safety: ``syncd run`` is killed with SIGKILL at random moments while
people act on both sides, and restarted each time. In the end every change reached the other
side exactly once: no lost change, no second issue, no repeated comment. The second run has
every escalation followed within its first second by customer replies and ``/dev`` notes,
made while syncd is still filing the issue."""

from __future__ import annotations

import os
import random
import threading
import time
from pathlib import Path

import pytest

from tests.chaos.daemon import separate_daemon
from tests.chaos.harness import (
    Workload,
    converge,
    copying_routes,
    depth,
    requests_made,
    soak,
    verify,
)


@pytest.mark.timeout(0 if soak() else 300)  # a soak run takes as long as it takes
def test_kill_9_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    _kill_run(tmp_path, early=False, kills=3)


@pytest.mark.timeout(0 if soak() else 300)
def test_kill_9_with_replies_before_the_link(tmp_path: Path) -> None:
    _kill_run(tmp_path, early=True, kills=6)


def _kill_run(tmp_path: Path, *, early: bool, kills: int) -> None:
    factor = soak()
    kills_wanted = int(os.environ.get("SYNCD_SOAK_KILLS", 300 * factor if factor else kills))
    sb, daemon, url = separate_daemon(tmp_path, routes=copying_routes() if early else None)
    rng = random.Random(5)
    work = Workload(sb, rng, early=early)
    stop = threading.Event()
    pace = 0.01 if factor else 0.05

    def feed() -> None:
        while not stop.is_set():
            work.step()
            time.sleep(pace)

    feeder = threading.Thread(target=feed, name="feeder", daemon=True)
    try:
        t0 = time.monotonic()
        daemon.start()
        feeder.start()
        for _ in range(kills_wanted):
            time.sleep(rng.uniform(0.3, 1.2))
            daemon.kill()
            time.sleep(rng.uniform(0.0, 0.3))  # deliveries sent meanwhile are refused: lost
            daemon.start(wait=False)
            daemon.wait_serving()
        stop.set()
        feeder.join(30)
        fed_at = time.monotonic()
        cases = list(work.cases)
        verdict, converged = converge(sb, cases, timeout=1800 if factor else 60)
        assert verdict.ok, (verdict, depth(url))
        sb.wait("queues empty", lambda: (d := depth(url))["inbox"] == d["outbox"] == 0, 60)
        time.sleep(1.5)  # late polls and echoes must not add anything
        verdict = verify(sb, cases)
        final = depth(url)
        print(f"\nkill phase {fed_at - t0:.1f}s, converge {converged:.1f}s")
        figures = {
            "changes fed": work.fed,
            "replies within a second of escalation": sum(len(c.replies) for c in cases),
            "tickets": len(cases),
            "kills": daemon.kills,
            "lost": len(verdict.lost),
            "duplicated": len(verdict.duplicated),
            "dead-lettered": final["dead"],
            "seconds to converge after the last change": round(converged, 1),
            "requests per change": round(requests_made(sb) / max(1, work.fed), 2),
        }
        print("\nchaos figures:", figures)
        assert verdict.ok, verdict
        assert final["dead"] == 0
        assert daemon.stop() == 0
        assert not daemon.errors(), daemon.errors()[:3]
    finally:
        stop.set()
        daemon.stop()
        sb.stop()
