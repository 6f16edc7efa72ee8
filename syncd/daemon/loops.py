"""The two background threads of the service, the worker's and the runner's: the loop each
runs (:meth:`Loops._loop`), the step each takes in it (drain the inbox, perform the outbox)
and how the worker lets the answers to a burst of deliveries go first; mixed into
:class:`~syncd.daemon.service.Service`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import structlog

from syncd.engine.runner import Runner
from syncd.engine.worker import Worker
from syncd.settings import Settings

# how often a worker held back by a burst asks whether it is over: after 5 ms first, since
# most bursts are short (a few deliveries that came together), then twice as long each time,
# up to 50 ms. Each time it wakes it takes the interpreter lock from the event loop that
# answers the burst: asked every 5 ms throughout, that cost figure 1 about 4% of its rate.
BURST_FIRST_CHECK = 0.005
BURST_CHECK = 0.05

log = structlog.get_logger("syncd.service")
# a background thread's step: (batch size, woken by its event) -> (rows handled, whether it
# queued work for the next thread, whether more may be due that no event will announce)
Step = Callable[[int, bool], tuple[int, bool, bool]]


class Loops:
    """The worker's and the runner's loops of :class:`~syncd.daemon.service.Service`."""

    settings: Settings
    worker: Worker
    runner: Runner
    _stop: threading.Event
    # set by the app: whether a burst of deliveries is being answered (Intake.busy)
    intake_busy: Callable[[], bool] | None

    def _loop(self, step: Step, ready: threading.Event, then: threading.Event | None) -> None:
        """Run ``step`` until stopped: again at once while it says more may be due, else when
        ``ready`` is set or every ``engine.idle_sleep`` (at least a quarter or half a second).
        A step that queued work for the next thread sets ``then``."""
        batch = self.settings.engine.batch
        idle = self.settings.engine.idle_sleep
        woken = False
        while not self._stop.is_set():
            if then is not None:  # the worker
                self._intake_first()
            try:
                n, queued, more = step(batch, woken)
            except Exception:
                log.exception("loop.error")
                n, queued, more = 0, False, False
                self._stop.wait(1.0)
            if queued and then is not None:
                then.set()
            woken = False
            if not (n and more):
                woken = ready.wait(max(idle, 0.25) if then is None else max(idle, 0.5))
                ready.clear()

    def _work(self, limit: int, woken: bool) -> tuple[int, bool, bool]:
        """The worker's step. Woken by new rows in the inbox it drains without asking first
        whether any is due; the runner is woken only when actions were planned. Every
        writer of the inbox in this process sets the worker's event, so after a batch that
        took all that was due it waits for that event (or the idle timeout, which finds
        retries come due and rows written by another process), with no probe between."""
        planned = self.worker.planned
        n = self.worker.drain(limit, peek=not woken)
        return n, self.worker.planned != planned, self.worker.more

    def _perform(self, limit: int, woken: bool) -> tuple[int, bool, bool]:
        """The runner's step; woken by planned actions it claims without asking first. It
        looks again at once only when its claim stopped at the limit or the finished
        actions planned follow-ups (the runner's own writes set no event)."""
        n = self.runner.drain(limit, peek=not woken)
        return n, False, self.runner.more

    def _intake_first(self) -> None:
        """While a burst of deliveries is being answered, let the answers go first, for up to
        ``engine.intake_first`` seconds: the worker and the answers share one interpreter,
        each vendor waits on its answer, and the inbox keeps what is taken later."""
        busy = self.intake_busy
        longest = self.settings.engine.intake_first
        if busy is None or longest <= 0 or not busy():
            return
        deadline = time.monotonic() + longest
        pause = BURST_FIRST_CHECK
        while not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._stop.wait(min(pause, left))
            if not busy():
                return
            pause = min(2 * pause, BURST_CHECK)
