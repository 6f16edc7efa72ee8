"""The worker and a burst of webhook deliveries: it lets the burst go first."""

from __future__ import annotations

import threading
import time
from typing import Any

from connectors.github.emulator.actor import config as github_config
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


class Pauses(threading.Event):
    """The worker's stop event, noting every pause the worker asks it for (it still waits)."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        assert timeout is not None
        self.asked.append(timeout)
        return super().wait(timeout)


def worker_waits(store: Store, busy: Any, longest: float) -> tuple[float, list[float]]:
    """How ``Service._intake_first`` held the worker back with ``busy`` as the signal: the
    seconds it took, and the pauses it asked for between two questions."""
    conf = github_config("http://127.0.0.1:9", SECRET)
    svc = Service(
        parse({"connectors": {"github": conf}, "engine": {"intake_first": longest}}), store=store
    )
    svc.intake_busy = busy
    pauses = svc._stop = Pauses()
    try:
        began = time.monotonic()
        svc._intake_first()
        return time.monotonic() - began, pauses.asked
    finally:
        for conn in svc.connectors.values():
            conn.close()


def growing(n: int) -> list[float]:
    """The first ``n`` pauses a held-back worker asks for: soon at first, then ever less
    often, at most ``BURST_CHECK``."""
    return [min(BURST_FIRST_CHECK * 2**i, BURST_CHECK) for i in range(n)]


def test_the_worker_lets_a_burst_go_first_for_a_bounded_time(store: Store) -> None:
    asked: list[int] = []

    def quiet() -> bool:
        asked.append(1)
        return False

    _, pauses = worker_waits(store, quiet, 5.0)
    assert len(asked) == 1 and pauses == []  # no burst: the worker goes on at once

    answers = iter([True, True, True, False])
    asked.clear()

    def burst_then_quiet() -> bool:
        asked.append(1)
        return next(answers)

    _, pauses = worker_waits(store, burst_then_quiet, 5.0)
    assert len(asked) == 4  # it waited until the burst was over, and no longer
    assert pauses == growing(3)

    # an endless burst holds it back ``intake_first``: not less, and no pause beyond it
    held, pauses = worker_waits(store, lambda: True, 0.05)
    assert held >= 0.05 and sum(pauses) <= 0.05 + 1e-6

    asked.clear()
    _, pauses = worker_waits(store, burst_then_quiet, 0.0)
    assert asked == [] and pauses == []  # 0 turns it off


def test_a_held_back_worker_asks_seldom_and_stops_at_the_deadline(store: Store) -> None:
    """Every question wakes the worker's thread, which then competes with the event loop
    answering the burst: it asks soon at first (most bursts are short), then ever less
    often, never less often than every ``BURST_CHECK``, and it stops waiting at
    ``intake_first`` even when that falls between two questions.

    What is checked is what the worker asks for, never how long the machine took: each
    pause it asks for, and that they end at the deadline (a busy machine only makes it
    ask fewer questions)."""
    questions: list[int] = []

    def endless() -> bool:
        questions.append(1)
        return True

    longest = 4.5 * BURST_CHECK
    held, pauses = worker_waits(store, endless, longest)
    assert held >= longest  # it held back until the deadline
    assert len(questions) == len(pauses) + 1  # one question at first and after each pause
    # soon at first, then ever less often up to BURST_CHECK (not every 5 ms); only the last
    # pause may be cut short, to what was left until the deadline, and none reaches past it
    assert pauses[:-1] == growing(len(pauses))[:-1]
    assert all(0 < p <= g for p, g in zip(pauses[-1:], growing(len(pauses))[-1:], strict=True))
    assert sum(pauses) <= longest + 1e-6
