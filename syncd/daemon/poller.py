"""Polling: each connector that can poll is read on its own interval (APScheduler 3).

A page's changes and the cursor that follows them are committed in one transaction, so the
cursor never runs ahead of the work it covers, and only if the stored cursor is still the one
the poll started from (a ``syncd cursor reset`` meanwhile wins). Webhooks are the fast path;
the poll is the safety net that brings in what a dropped delivery missed.

A stored cursor the connector cannot read (``CursorError``) stops that connector's poll until
an operator replaces it: the cursor is left as it is, the connector is unhealthy at once with
what to do, and each later cycle only looks whether the stored cursor changed.

With several replicas on PostgreSQL, one of them polls each connector (it leads the role
``poll:<connector>``) and runs the periodic singleton jobs (role ``jobs``); the others skip
their turn. A page is stored only if this replica still leads the role (fencing, in the
page's own transaction): a leader that lost its role meanwhile stores nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from contextlib import suppress
from datetime import UTC, datetime

import structlog
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

from syncd import metrics
from syncd.connector import Capability, Connector, Push
from syncd.engine import echo
from syncd.engine.health import Health
from syncd.errors import RateLimited, RemoteError, Resolution, resolve
from syncd.ratelimit import Budget
from syncd.store import cluster
from syncd.store.cluster import Fence
from syncd.store.repository import Store

log = structlog.get_logger("syncd.poller")
MAX_PAGES = 100  # per cycle; the rest follows on the next cycle
WAY_OUT = "run `syncd cursor reset {name} --since <time>` or `syncd reconcile`"
JOBS = "jobs"  # the role of the periodic singleton jobs


def poll_role(name: str) -> str:
    """The role whose leader polls connector ``name``."""
    return f"poll:{name}"


class Poller:
    """Runs the polls."""

    def __init__(
        self,
        store: Store,
        connectors: Mapping[str, Connector],
        health: Health,
        on_changes: Callable[[], None] | None = None,
        budgets: Mapping[str, Budget] | None = None,
    ) -> None:
        self.store = store
        self.connectors = connectors
        self.health = health
        self.on_changes = on_changes
        self.budgets = budgets or {}
        self.scheduler: BackgroundScheduler | None = None
        # periodic jobs besides the polls (SLA clocks, pruning): name -> (seconds, function,
        # whether one replica only runs it)
        self.jobs: dict[str, tuple[float, Callable[[], object], bool]] = {}
        # the fence of a role this replica leads, None when another does; unset: one
        # process serves the store and leads everything
        self.leader: Callable[[str], Fence | None] | None = None
        # connector -> the stored cursor it could not read; no poll until that cursor changes
        self.refused: dict[str, str | None] = {}
        self._stopping = threading.Event()
        self._listeners: dict[str, threading.Thread] = {}
        self._news: dict[str, threading.Event] = {}  # news told while a poll may be running

    def every(
        self, name: str, seconds: float, fn: Callable[[], object], *, singleton: bool = True
    ) -> None:
        """Run ``fn`` every ``seconds`` while the service runs (registered before start); a
        ``singleton`` job on the replica that leads the jobs only."""
        self.jobs[name] = (seconds, fn, singleton)

    def pollable(self) -> list[str]:
        return [n for n, c in self.connectors.items() if Capability.POLL in c.capabilities]

    def roles(self) -> list[str]:
        """The singleton roles: each pollable connector's poll, and the jobs."""
        return [*(poll_role(n) for n in self.pollable()), JOBS]

    def _fence(self, role: str) -> tuple[bool, Fence | None]:
        """(whether this replica performs ``role`` now, the fence its writes carry)."""
        if self.leader is None:
            return True, None
        fence = self.leader(role)
        return fence is not None, fence

    def _as_leader(self, fn: Callable[[], object]) -> Callable[[], object]:
        def job() -> object:
            return fn() if self._fence(JOBS)[0] else None

        return job

    def poll(self, name: str) -> int:
        """One poll cycle of connector ``name``; return the changes taken in."""
        conn = self.connectors[name]
        if self.health.held(name) > 0:
            return 0  # the vendor asked for quiet; the cursor waits, nothing is lost
        leads, fence = self._fence(poll_role(name))
        if not leads:
            return 0  # another replica polls this connector
        cursor = self.store.cursor(name)
        if not self._readable(name, cursor):
            return 0
        started_from = cursor
        asked = False
        total = 0
        try:
            for _ in range(MAX_PAGES):
                budget = self.budgets.get(name)
                if budget is not None and budget.take("poll").seconds > 0:
                    break  # the vendor's limit: the rest follows on a later cycle
                metrics.API_REQUESTS.labels(name, "poll").inc()
                asked = True
                page = conn.poll(cursor)
                changes = echo.not_own(page.changes)  # syncd's own comments coming back
                with self.store.tx() as tx:
                    refused = fence is not None and cluster.fenced(tx, fence)
                    stored = not refused and self.store.swap_cursor(tx, name, cursor, page.cursor)
                    if stored:
                        self.store.enqueue(tx, changes)
                if refused:
                    # another replica leads this poll now: it reads from the stored cursor
                    log.warning("poll.fenced", connector=name, fence=fence and fence.token)
                    metrics.POLLS.labels(name, "fenced").inc()
                    return total
                if not stored:
                    # reset while this poll ran: its page is left out, the next poll starts
                    # from the cursor the operator stored
                    log.info("poll.cursor_replaced", connector=name, during_poll=True)
                    break
                cursor = page.cursor
                total += len(changes)
                if len(changes) < len(page.changes):
                    metrics.ECHOES.labels(name).inc(len(page.changes) - len(changes))
                if not page.more:
                    break
        except RemoteError as exc:
            self._failed(name, cursor, exc)
            return total
        if started_from is not None and asked:
            # a first poll (no cursor yet) may answer without a request: only a read from a
            # cursor shows that the connector answers
            self.health.ok(name, conn.rate_budget())
        metrics.POLLS.labels(name, "ok").inc()
        if total:
            log.info("poll.changes", connector=name, changes=total)
            if self.on_changes:
                self.on_changes()
        return total

    def _readable(self, name: str, cursor: str | None) -> bool:
        """False while ``cursor`` is the one ``name`` could not read: it waits for an operator
        (one read of the store per cycle, no request, no log line)."""
        if name not in self.refused:
            return True
        if self.refused[name] == cursor:
            return False
        del self.refused[name]
        self.health.release(name, "poll cursor replaced; waiting for a poll to succeed")
        log.info("poll.cursor_replaced", connector=name)
        return True

    def _failed(self, name: str, cursor: str | None, exc: RemoteError) -> None:
        """What a failed poll calls for (:func:`syncd.errors.resolve`): the cursor stays
        where it was in every case, so nothing is lost."""
        match resolve(exc):
            case Resolution.OPERATOR:
                self.refused[name] = cursor
                self.health.stuck(name, f"{exc}; {WAY_OUT.format(name=name)}")
                metrics.POLLS.labels(name, "cursor_error").inc()
            case Resolution.CREDENTIALS:
                self.health.failed(name, f"credentials refused: {exc}", auth=True)
                metrics.POLLS.labels(name, "auth_error").inc()
            case Resolution.WAIT:
                wait = exc.retry_after if isinstance(exc, RateLimited) else 0.0
                self.health.hold(name, wait, str(exc))
                metrics.POLLS.labels(name, "rate_limited").inc()
            case _:
                self.health.failed(name, f"poll failed: {exc}")
                metrics.POLLS.labels(name, "error").inc()

    def poll_all(self) -> int:
        return sum(self.poll(n) for n in self.pollable())

    def start(self) -> None:
        """Schedule every pollable connector on its ``poll_interval``; the first poll runs now."""
        self.scheduler = BackgroundScheduler(timezone="UTC")
        for name in self.pollable():
            self._schedule(name)
        for name, (seconds, fn, singleton) in self.jobs.items():
            self.scheduler.add_job(
                self._as_leader(fn) if singleton else fn,
                "interval",
                seconds=seconds,
                id=f"job:{name}",
                max_instances=1,
                coalesce=True,
            )
        self.scheduler.start()
        self._stopping.clear()
        for name in self.pollable():
            self._listen(name)

    def _listen(self, name: str) -> None:
        """Bring the poll of a connector with ``PUSH`` forward whenever it says there is news
        (IMAP IDLE); its interval stays the fallback. One thread per such connector."""
        if Capability.PUSH not in self.connectors[name].capabilities or (
            name in self._listeners and self._listeners[name].is_alive()
        ):
            return

        def listen() -> None:
            while not self._stopping.is_set():
                conn = self.connectors.get(name)
                if conn is None or not isinstance(conn, Push):
                    return
                interval = float(conn.settings.poll_interval)
                try:
                    news = conn.wait_for_changes(interval)
                except Exception as exc:  # the scheduled polls go on meanwhile
                    log.debug("push.failed", connector=name, error=str(exc)[:200])
                    self._stopping.wait(min(interval, 30.0))
                    continue
                if news and self.scheduler is not None and not self._stopping.is_set():
                    self._news.setdefault(name, threading.Event()).set()
                    with suppress(JobLookupError):
                        self.scheduler.modify_job(f"poll:{name}", next_run_time=datetime.now(UTC))

        thread = threading.Thread(target=listen, name=f"push:{name}", daemon=True)
        self._listeners[name] = thread
        thread.start()

    def _schedule(self, name: str) -> None:
        assert self.scheduler is not None
        interval = float(self.connectors[name].settings.poll_interval)
        self.scheduler.add_job(
            self._poll_job,
            "interval",
            args=[name],
            seconds=interval,
            id=f"poll:{name}",
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
            replace_existing=True,
        )

    def _poll_job(self, name: str) -> int:
        """The scheduled poll of ``name``, repeated while news came in during it: the run the
        news asked for is skipped while this one still runs (one at a time), so without this
        what arrived after this poll read the inbox would wait for the next interval."""
        news = self._news.setdefault(name, threading.Event())
        total = 0
        for _ in range(MAX_PAGES):
            news.clear()
            total += self.poll(name)
            if not news.is_set() or self._stopping.is_set():
                break
        return total

    def reschedule(self, changed: list[str], removed: list[str]) -> None:
        """After a reload: poll changed connectors on their (maybe new) interval from now,
        and no longer the removed ones."""
        if self.scheduler is None:
            return
        for name in removed:
            if self.scheduler.get_job(f"poll:{name}") is not None:
                self.scheduler.remove_job(f"poll:{name}")
        for name in changed:
            if name in self.pollable():
                self._schedule(name)
                self._listen(name)
            elif self.scheduler.get_job(f"poll:{name}") is not None:
                self.scheduler.remove_job(f"poll:{name}")

    def stop(self) -> None:
        self._stopping.set()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self.scheduler = None
