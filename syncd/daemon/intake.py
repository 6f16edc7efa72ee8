"""Group commit for webhook deliveries.

A delivery is verified and parsed on the event loop, then handed to the :class:`Intake`. The
intake persists every delivery waiting at that moment in one transaction (the delivery ids in
one statement, the new deliveries' changes in one more), and then answers each waiting
request: new or a repeat. Nothing waits on purpose: while one batch commits, the deliveries
that arrive meanwhile queue up, and they are the next batch. So a lone delivery commits at
once, and under load one commit serves many deliveries. Before it takes a batch the intake
lets the event loop turn once, so the requests already scheduled (their bodies read, being
verified) join it. Under the load of figure 1 in BENCHMARKS.md that took batches from about 4
deliveries to about 7, and a lone delivery waits one turn of the loop, microseconds.

Where the batch commits: on the intake's thread, through the store's SQLAlchemy engine, so the
loop never waits for a lock or a round trip. ``syncd_intake_commits_total`` counts the commits.

The intake also tells the worker when a burst is arriving, that is when deliveries queue up
for the store faster than they commit one by one (:meth:`Intake.busy`): the worker then lets
the answers go first (see ``engine.intake_first``), since a vendor is waiting on
each of them and the inbox is not going anywhere.

An answer still means what it meant with one transaction per delivery: the delivery id and
its changes are committed before the vendor hears 202 (or 200 for a repeat). When a batch
fails (the store is down) nothing of it is written and each of its requests is refused with
503, so the vendor sends it again.

The app's lifespan starts and stops the intake; stopping commits and answers what is queued.
Without a lifespan (an in-process client that skips it) or after stop, a delivery is
persisted on its own in a worker thread.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import anyio.to_thread
import structlog

from syncd import metrics
from syncd.connector import WebhookResult
from syncd.daemon.service import Service
from syncd.errors import WebhookError

log = structlog.get_logger("syncd.intake")

BATCH = 256  # deliveries per transaction at most; more wait for the next one
BURST = 8  # deliveries committed within two windows that may make a burst
WINDOW = 0.01  # seconds
QUEUED = 2.0  # deliveries per commit, on average, that show them queueing for the store
Waiting = tuple[str, WebhookResult, "asyncio.Future[bool]"]


def _unavailable() -> WebhookError:
    return WebhookError(503, "store unavailable: the delivery was not recorded, send it again")


def _describe(exc: BaseException) -> str:
    """The failure without statement parameters (a driver error's own message, one line)."""
    cause = getattr(exc, "orig", None) or exc
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[0][:200] if text else ''}"


class Intake:
    """Persists received deliveries in batches, one transaction per batch."""

    def __init__(
        self, service: Service, *, batch: int = BATCH, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.service = service
        self.batch = batch
        self.clock = clock
        self._queue: deque[Waiting] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._executor: ThreadPoolExecutor | None = None
        # (deliveries, commits) in the current burst window (clock() // WINDOW) and the last
        self._window = 0
        self._now = (0, 0)
        self._last = (0, 0)

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._task is not None and not self._closing

    @property
    def waiting(self) -> int:
        """Deliveries queued for the next batch (not those being committed)."""
        return len(self._queue)

    def busy(self) -> bool:
        """True while a burst arrives faster than deliveries commit one by one: at least
        ``BURST`` deliveries in the current window and the one before, at ``QUEUED`` or more
        per commit. A steady stream, however fast, that commits as it comes is not a burst;
        requests that queue up for the store are. Read from the worker's thread; a stale
        answer only shifts when it takes its next batch."""
        window = int(self.clock() / WINDOW)
        if window == self._window:
            (n1, c1), (n2, c2) = self._now, self._last
            deliveries, commits = n1 + n2, c1 + c2
        elif window == self._window + 1:
            deliveries, commits = self._now
        else:
            return False
        return deliveries >= BURST and deliveries >= QUEUED * commits

    def _committed(self, n: int) -> None:
        window = int(self.clock() / WINDOW)
        if window != self._window:
            self._last = self._now if window == self._window + 1 else (0, 0)
            self._window, self._now = window, (0, 0)
        self._now = (self._now[0] + n, self._now[1] + 1)

    def start(self) -> None:
        """Start committing batches; call on the event loop that serves the requests."""
        if self._task is not None:
            raise RuntimeError("the intake is already running")
        self._closing = False
        self._wake = asyncio.Event()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="intake")
        self._task = asyncio.get_running_loop().create_task(self._run(), name="intake")

    async def stop(self) -> None:
        """Take no more deliveries into batches; commit and answer those queued."""
        if self._task is None:
            return
        self._closing = True
        self._wake.set()
        try:
            await self._task
        finally:
            self._task = None
            if self._executor is not None:
                self._executor.shutdown(wait=True)
                self._executor = None

    async def submit(self, name: str, result: WebhookResult) -> bool:
        """Persist a received delivery; True when it is new, False when it is a repeat.

        Raises ``WebhookError(503)`` when the store failed and nothing was written."""
        if not self.running:
            return await anyio.to_thread.run_sync(self._alone, name, result)
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((name, result, done))
        self._wake.set()
        return await done

    def _alone(self, name: str, result: WebhookResult) -> bool:
        try:
            fresh = self.service.persist([(name, result)])[0]
        except Exception as exc:
            log.error("intake.commit_failed", deliveries=1, error=_describe(exc))
            raise _unavailable() from exc
        metrics.INTAKE_COMMITS.labels("thread").inc()
        return fresh

    async def _run(self) -> None:
        batch: list[Waiting] = []
        try:
            while self._queue or not self._closing:
                if not self._queue:
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                # one turn of the loop first: deliveries already being read or verified
                # join this batch instead of waiting for a commit of their own
                await asyncio.sleep(0)
                batch = [self._queue.popleft() for _ in range(min(self.batch, len(self._queue)))]
                await self._commit(batch)
                batch = []
        except asyncio.CancelledError:
            # the loop is going away: whatever the thread still does, these hear 503
            self._fail([*batch, *self._queue])
            self._queue.clear()
            raise

    async def _commit(self, batch: list[Waiting]) -> None:
        received = [(name, result) for name, result, _ in batch]
        loop = asyncio.get_running_loop()
        try:
            fresh = await loop.run_in_executor(self._executor, self.service.persist, received)
        except Exception as exc:
            log.error("intake.commit_failed", deliveries=len(batch), error=_describe(exc))
            self._fail(batch)
            return
        self._committed(len(batch))
        metrics.INTAKE_COMMITS.labels("thread").inc()
        for (_, _, done), new in zip(batch, fresh, strict=True):
            if not done.done():  # its request may have been cancelled meanwhile
                done.set_result(new)

    @staticmethod
    def _fail(waiting: list[Waiting]) -> None:
        for _, _, done in waiting:
            if not done.done():
                done.set_exception(_unavailable())
