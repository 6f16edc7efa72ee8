"""The worker and a burst of webhook deliveries: it lets the burst go first."""

from __future__ import annotations

import itertools
import time
from typing import Any

from connectors.github.emulator_actor import config as github_config
from syncd.daemon.intake import BURST, WINDOW, Intake
from syncd.daemon.service import BURST_CHECK, BURST_FIRST_CHECK, Service
from syncd.settings import parse
from syncd.store.repository import Store
from tests.daemon.conftest import SECRET


def test_the_intake_is_busy_while_a_burst_queues_up(service: Service) -> None:
    now = [100.0]
    intake = Intake(service, clock=lambda: now[0])
    assert not intake.busy()
    intake._committed(BURST - 1)
    assert not intake.busy()  # a few deliveries are not a burst
    intake._committed(1)
    assert intake.busy()  # 8 deliveries in 2 commits: they queued up for the store
    now[0] += WINDOW  # the next window still sees the last one's deliveries
    assert intake.busy()
    now[0] += WINDOW
    assert not intake.busy()  # two windows without a commit: quiet
    intake._committed(BURST // 2)
    now[0] += WINDOW
    intake._committed(BURST - BURST // 2)
    assert intake.busy()  # spread over two windows in a row
    now[0] += 5 * WINDOW
    for _ in range(3 * BURST):
        intake._committed(1)
    assert not intake.busy()  # a fast stream committed as it comes is no burst


def worker_waits(store: Store, busy: Any, longest: float) -> float:
    """Seconds ``Service._intake_first`` held the worker back with ``busy`` as the signal."""
    conf = github_config("http://127.0.0.1:9", SECRET)
    svc = Service(
        parse({"connectors": {"github": conf}, "engine": {"intake_first": longest}}), store=store
    )
    svc.intake_busy = busy
    try:
        began = time.monotonic()
        svc._intake_first()
        return time.monotonic() - began
    finally:
        for conn in svc.connectors.values():
            conn.close()


def test_the_worker_lets_a_burst_go_first_for_a_bounded_time(store: Store) -> None:
    asked: list[int] = []

    def quiet() -> bool:
        asked.append(1)
        return False

    worker_waits(store, quiet, 5.0)
    assert len(asked) == 1  # no burst: the worker goes on at once

    answers = iter([True, True, True, False])
    asked.clear()

    def burst_then_quiet() -> bool:
        asked.append(1)
        return next(answers)

    assert worker_waits(store, burst_then_quiet, 5.0) < 5.0
    assert len(asked) == 4  # it waited until the burst was over, and no longer

    held = worker_waits(store, lambda: True, 0.05)
    assert 0.05 <= held < 5.0  # an endless burst holds it back only ``intake_first``

    asked.clear()
    assert worker_waits(store, burst_then_quiet, 0.0) < 5.0
    assert asked == []  # 0 turns it off


def test_a_held_back_worker_asks_seldom_and_stops_at_the_deadline(store: Store) -> None:
    """Every question wakes the worker's thread, which then competes with the event loop
    answering the burst: it asks soon at first (most bursts are short), then ever less
    often, never less often than every ``BURST_CHECK``, and it stops waiting at
    ``intake_first`` even when that falls between two questions."""
    asked: list[float] = []

    def endless() -> bool:
        asked.append(time.monotonic())
        return True

    longest = 4.5 * BURST_CHECK
    held = worker_waits(store, endless, longest)
    assert longest <= held < longest + BURST_CHECK
    assert len(asked) <= longest / BURST_CHECK + 5  # not every 5 ms: 46 questions
    gaps = [b - a for a, b in itertools.pairwise(asked)]
    assert BURST_FIRST_CHECK <= gaps[0] < 2 * BURST_FIRST_CHECK + 0.02, gaps
    assert all(b > a - 0.005 for a, b in itertools.pairwise(gaps[:-1])), gaps  # growing
    assert all(gap < BURST_CHECK + 0.02 for gap in gaps), gaps
