"""The service: settings in, a running daemon out (store, connectors, worker, runner, poller).

``Service.start()`` runs the worker and the runner in their own threads and the polls on an
APScheduler; ``stop()`` stops taking work, lets in-flight actions finish within a grace
period, and returns. ``run_once()`` is one poll-and-drain cycle for cron and tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import httpx
import structlog

from syncd import registry
from syncd.connector import Connector
from syncd.daemon.ingest import Ingest
from syncd.daemon.poller import Poller
from syncd.engine import sla_job
from syncd.engine.health import Health
from syncd.engine.planner import Rules
from syncd.engine.runner import Runner
from syncd.engine.worker import Worker
from syncd.errors import AuthError, RemoteError
from syncd.settings import Settings
from syncd.store import db, outbox, tables
from syncd.store.repository import Store, now
from syncd.templates import Templates

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


def build_connectors(
    settings: Settings, clients: Mapping[str, httpx.Client] | None = None
) -> dict[str, Connector]:
    """One connector instance per configured name; trackers learn the projects routes use."""
    out: dict[str, Connector] = {}
    for name in settings.connectors:
        conf = settings.connector(name)
        out[name] = registry.spec(conf.kind).factory(name, conf, (clients or {}).get(name))
    for route in settings.routes:
        watch = getattr(out.get(route.target.connector or ""), "watch", None)
        if callable(watch):
            watch([route.target.project])
    return out


class Service(Ingest):
    """Everything ``syncd run`` runs."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store | None = None,
        connectors: Mapping[str, Connector] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store or Store.open(settings.store.url)
        self.connectors = dict(connectors) if connectors is not None else build_connectors(settings)
        caps = {n: c.capabilities for n, c in self.connectors.items()}
        self.rules = Rules(
            routes=tuple(settings.routes),
            templates=Templates(settings.templates),
            capabilities=caps,
            tiers=settings.tiers,
            calendars=settings.calendars,
            linking=settings.linking,
            kinds={n: settings.connector(n).kind for n in settings.connectors},
        )
        self.clock = clock or (lambda: datetime.now(UTC))
        self.health = Health(list(self.connectors))
        e = settings.engine
        self.worker = Worker(
            self.store, self.connectors, self.rules, backoff_cap=e.backoff_cap, health=self.health
        )
        self.runner = Runner(
            self.store,
            self.connectors,
            self.rules,
            self.health,
            max_attempts=e.max_attempts,
            backoff_base=e.backoff_base,
            backoff_cap=e.backoff_cap,
            gone_recheck=e.gone_recheck,
            lanes=e.lanes,
        )
        self._inbox_ready = threading.Event()
        self.poller = Poller(
            self.store, self.connectors, self.health, on_changes=self._inbox_ready.set
        )
        self._stop = threading.Event()
        self._outbox_ready = threading.Event()
        self._threads: list[threading.Thread] = []
        # set by the app: whether a burst of deliveries is being answered (Intake.busy)
        self.intake_busy: Callable[[], bool] | None = None
        self.started_at = time.time()
        self.poller.every("prune-deliveries", 3600.0, self.prune)
        if self.store.is_sqlite:
            self.poller.every("checkpoint", db.CHECKPOINT_EVERY, self.store.checkpoint)
        self.poller.every("sla", settings.workflow.sla_interval, self.check_sla)

    # -- processing ---------------------------------------------------------------------
    def drain(self, max_rounds: int = 1000) -> int:
        """Process inbox and outbox until nothing is due; return actions finished."""
        finished = 0
        for _ in range(max_rounds):
            n = self.worker.drain(self.settings.engine.batch)
            m = self.runner.drain(self.settings.engine.batch)
            finished += m
            if n == 0 and m == 0:
                break
        return finished

    def run_once(self, *, poll: bool = True) -> int:
        """One poll of every connector, then drain."""
        self.recover()
        if poll:
            self.check()
            self.poller.poll_all()
        return self.drain()

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

    def check(self) -> None:
        """Ask every connector who it is; a failure marks it unhealthy, it does not stop us."""
        for name, conn in self.connectors.items():
            try:
                who = conn.check()
            except RemoteError as exc:
                self.health.failed(name, f"check failed: {exc}", auth=isinstance(exc, AuthError))
                continue
            self.health.ok(name, conn.rate_budget())
            log.info("connector.ready", connector=name, account=who)

    def recover(self) -> int:
        """Give back the claims a killed process left behind; return how many.

        SQLite serves one replica only (the file is the lock), so whatever is marked working
        or running at start belonged to a process of ours that died: it is retried now, not
        when its lease runs out. With PostgreSQL other replicas may be alive; their leases
        decide. A retried action looks for its earlier effect first (idempotency keys)."""
        if not self.store.is_sqlite:
            return 0
        with self.store.tx() as tx:
            n = tx.execute(
                tables.inbox.update()
                .where(tables.inbox.c.state == "working")
                .values(state="pending", next_at=now())
            ).rowcount
            n += tx.execute(
                tables.outbox.update()
                .where(tables.outbox.c.state == "running")
                .values(state="pending", next_at=now())
            ).rowcount
        if n:
            log.warning("service.recovered", claims=n)
        return int(n or 0)

    def start(self) -> None:
        """Check the connectors, then start worker, runner and polls in the background."""
        self.recover()
        self.check()
        self._threads = [
            threading.Thread(
                target=self._loop,
                args=(self._work, self._inbox_ready, self._outbox_ready),
                name="worker",
                daemon=True,
            ),
            threading.Thread(
                target=self._loop,
                args=(self._perform, self._outbox_ready, None),
                name="runner",
                daemon=True,
            ),
        ]
        for t in self._threads:
            t.start()
        self.poller.start()
        log.info(
            "service.started",
            connectors=sorted(self.connectors),
            routes=[r.name for r in self.settings.routes],
        )

    def stop(self, grace: float | None = None) -> None:
        """Stop taking work; wait up to ``grace`` seconds for in-flight work."""
        grace = self.settings.server.shutdown_grace if grace is None else grace
        self.poller.stop()
        self._stop.set()
        self._inbox_ready.set()
        self._outbox_ready.set()
        deadline = time.monotonic() + grace
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self.runner.close(wait=not any(t.is_alive() for t in self._threads))
        for conn in self.connectors.values():
            conn.close()
        log.info("service.stopped")

    def check_sla(self) -> int:
        """Check the SLA clocks at the service's time; return the events raised."""
        return sla_job.check(self.store, self.rules, self.clock())

    def prune(self) -> None:
        self.store.prune_deliveries(timedelta(days=self.settings.engine.delivery_retention_days))

    def status(self) -> dict[str, object]:
        with self.store.tx() as tx:
            counts = outbox.counts(tx)
        return {"depth": self.store.depth(), "outbox": counts, "connectors": self.health.snapshot()}
