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

import structlog

from syncd.connector import Connector
from syncd.daemon import reload
from syncd.daemon.assembly import build_connectors, history_signer, make_rules, watch_routes
from syncd.daemon.cluster import Membership
from syncd.daemon.ingest import Ingest
from syncd.daemon.loops import BURST_CHECK, BURST_FIRST_CHECK, Loops
from syncd.daemon.poller import Poller
from syncd.daemon.reload import Outcome
from syncd.engine import contact_job, history_job, sla_job
from syncd.engine.execute import Performed, perform
from syncd.engine.health import Health
from syncd.engine.runner import Runner
from syncd.engine.worker import Worker
from syncd.errors import AuthError, ConfigError, RemoteError
from syncd.ratelimit import Budget
from syncd.settings import Settings, load
from syncd.store import db, outbox
from syncd.store.repository import Store

DRAIN_SOON = 1.0  # seconds: drain() waits for actions due this soon (not for retries' backoff)

log = structlog.get_logger("syncd.service")
__all__ = [
    "BURST_CHECK",
    "BURST_FIRST_CHECK",
    "Service",
    "build_connectors",
    "make_rules",
    "watch_routes",
]


class Service(Ingest, Loops):
    """Everything ``syncd run`` runs."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store | None = None,
        connectors: Mapping[str, Connector] | None = None,
        clock: Callable[[], datetime] | None = None,
        performer: Callable[..., Performed] | None = None,
    ) -> None:
        self.settings = settings
        st = settings.store
        self.store = store or Store.open(
            st.url,
            pool_size=st.pool_size,
            max_overflow=st.max_overflow,
            server_prepared=st.server_prepared,
        )
        self.connectors = dict(connectors) if connectors is not None else build_connectors(settings)
        self.rules = make_rules(settings, self.connectors, history_signer(settings, self.store))
        self.clock = clock or (lambda: datetime.now(UTC))
        self.health = Health(list(self.connectors))
        # one rate budget per connector instance, spent by the runner, the poller and reads
        self.budgets = {n: Budget(c.settings.rate_limits()) for n, c in self.connectors.items()}
        e = settings.engine
        self._inbox_ready = threading.Event()
        self.worker = Worker(
            self.store,
            self.connectors,
            self.rules,
            backoff_cap=e.backoff_cap,
            health=self.health,
            max_attempts=e.max_attempts,
            budgets=self.budgets,
            lanes=e.lanes,
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
            catch_up=e.catch_up,
            lanes=e.lanes,
            on_linked=self._inbox_ready.set,
            performer=performer or perform,
            budgets=self.budgets,
            clock=lambda: self.clock(),  # read at each use: tests move the clock
        )
        self.poller = Poller(
            self.store,
            self.connectors,
            self.health,
            on_changes=self._inbox_ready.set,
            budgets=self.budgets,
        )
        self.cluster = Membership(self.store, settings.cluster, self.poller.roles)
        self.draining = False  # stopping: /readyz answers 503, no new work is taken
        self._stop = threading.Event()
        self._reloading = threading.Lock()
        self._outbox_ready = threading.Event()
        self._threads: list[threading.Thread] = []
        self.intake_busy = None  # set by the app (Intake.busy)
        self.started_at = time.time()
        self.poller.every("prune-deliveries", 3600.0, self.prune)
        if self.store.is_sqlite:
            every = db.CHECKPOINT_EVERY
            self.poller.every("checkpoint", every, self.store.checkpoint, singleton=False)
        self.poller.every("sla", settings.workflow.sla_interval, self.check_sla)

    # -- processing ---------------------------------------------------------------------
    def drain(self, max_rounds: int = 1000) -> int:
        """Process inbox and outbox until nothing is due, nor due within ``DRAIN_SOON``
        seconds (an action waiting a moment for the worker); return actions finished."""
        finished = 0
        for _ in range(max_rounds):
            n = self.worker.drain(self.settings.engine.batch)
            m = self.runner.drain(self.settings.engine.batch)
            finished += m
            if n == 0 and m == 0:
                with self.store.peek() as conn:
                    soon = outbox.due_within(conn, DRAIN_SOON)
                if soon is None:
                    break
                time.sleep(soon)
        return finished

    def run_once(self, *, poll: bool = True) -> int:
        """One poll of every connector, then drain."""
        self.recover()
        if poll:
            self.check()
            self.poller.poll_all()
        return self.drain()

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
        """Give back the claims a killed process left behind (see
        :meth:`~syncd.daemon.cluster.Membership.recover`); return how many."""
        return self.cluster.recover()

    def start(self) -> None:
        """Join the cluster, check the connectors, then start worker, runner and polls in
        the background."""
        self.recover()
        self.cluster.join()
        self.cluster.start()
        if not self.cluster.single:  # one process on SQLite leads every role, unfenced
            self.poller.leader = self.cluster.fence
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

    def wind_down(self) -> None:
        """Stop taking new work: /readyz answers 503, the roles go to other replicas, no
        poll starts and the worker and runner take no new batch (a lane's actions not begun
        go back to the queue). Webhooks are still taken in meanwhile."""
        self.draining = True
        self.cluster.drain()
        self.poller.stop()
        self.runner.stopping = True
        self._stop.set()
        self._inbox_ready.set()
        self._outbox_ready.set()

    def stop(self, grace: float | None = None) -> None:
        """Stop taking work; wait up to ``grace`` seconds for in-flight work, then hand
        back what this replica still holds."""
        grace = self.settings.server.shutdown_grace if grace is None else grace
        self.wind_down()
        deadline = time.monotonic() + grace
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        idle = not any(t.is_alive() for t in self._threads)
        self.runner.close(wait=idle)
        self.worker.close_reads()
        self.cluster.stop(hand_back=idle)
        for conn in self.connectors.values():
            conn.close()
        log.info("service.stopped")

    def reload(self) -> Outcome:
        """Load the config file again and apply it (see :mod:`syncd.daemon.reload`); with
        problems, nothing changes and the outcome lists them."""
        with self._reloading:
            try:
                new = load(self.settings.source or None)
            except ConfigError as exc:
                outcome = Outcome(problems=list(exc.problems))
                for file, key, msg in exc.problems:
                    log.error("config.reload_refused", file=file, key=key, reason=msg)
                return outcome
            outcome = reload.apply(self, new)
        log.info("config.reloaded", applied=outcome.applied, restart_needed=outcome.restart_needed)
        return outcome

    def check_sla(self) -> int:
        """Check the SLA clocks and the hand-off reminders, and renew the conversation page
        links about to expire, at the service's time; return what was raised and planned."""
        now = self.clock()
        return (
            sla_job.check(self.store, self.rules, now, self.connectors, self.budgets)
            + contact_job.remind(self.store, self.rules, now)
            + history_job.refresh(self.store, self.rules, now)
        )

    def prune(self) -> None:
        self.store.prune_deliveries(timedelta(days=self.settings.engine.delivery_retention_days))

    def status(self) -> dict[str, object]:
        with self.store.tx() as tx:
            counts = outbox.counts(tx)
        return {
            "depth": self.store.depth(),
            "outbox": counts,
            "connectors": self.health.snapshot(),
            "cluster": self.cluster.snapshot(),
        }
