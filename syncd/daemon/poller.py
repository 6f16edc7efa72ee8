"""Polling: each connector that can poll is read on its own interval (APScheduler 3).

A page's changes and the cursor that follows them are committed in one transaction, so the
cursor never runs ahead of the work it covers. Webhooks are the fast path; the poll is the
safety net that brings in what a dropped delivery missed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import structlog
from apscheduler.schedulers.background import BackgroundScheduler

from syncd.connector import Capability, Connector
from syncd.daemon import metrics
from syncd.engine import echo
from syncd.engine.health import Health
from syncd.errors import AuthError, RateLimited, RemoteError
from syncd.store.repository import Store

log = structlog.get_logger("syncd.poller")
MAX_PAGES = 100  # per cycle; the rest follows on the next cycle


class Poller:
    """Runs the polls."""

    def __init__(
        self,
        store: Store,
        connectors: Mapping[str, Connector],
        health: Health,
        on_changes: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.connectors = connectors
        self.health = health
        self.on_changes = on_changes
        self.scheduler: BackgroundScheduler | None = None
        # periodic jobs besides the polls (SLA clocks, pruning): name -> (seconds, function)
        self.jobs: dict[str, tuple[float, Callable[[], object]]] = {}

    def every(self, name: str, seconds: float, fn: Callable[[], object]) -> None:
        """Run ``fn`` every ``seconds`` while the service runs (registered before start)."""
        self.jobs[name] = (seconds, fn)

    def pollable(self) -> list[str]:
        return [n for n, c in self.connectors.items() if Capability.POLL in c.capabilities]

    def poll(self, name: str) -> int:
        """One poll cycle of connector ``name``; return the changes taken in."""
        conn = self.connectors[name]
        if self.health.held(name) > 0:
            return 0  # the vendor asked for quiet; the cursor waits, nothing is lost
        cursor = self.store.cursor(name)
        total = 0
        try:
            for _ in range(MAX_PAGES):
                metrics.API_REQUESTS.labels(name, "poll").inc()
                page = conn.poll(cursor)
                changes = echo.not_own(page.changes)  # syncd's own comments coming back
                with self.store.tx() as tx:
                    self.store.enqueue(tx, changes)
                    self.store.set_cursor(tx, name, page.cursor)
                cursor = page.cursor
                total += len(changes)
                if len(changes) < len(page.changes):
                    metrics.ECHOES.labels(name).inc(len(page.changes) - len(changes))
                if not page.more:
                    break
        except AuthError as exc:
            self.health.failed(name, f"credentials refused: {exc}", auth=True)
            metrics.POLLS.labels(name, "auth_error").inc()
            return total
        except RateLimited as exc:
            self.health.hold(name, exc.retry_after, str(exc))
            metrics.POLLS.labels(name, "rate_limited").inc()
            return total
        except RemoteError as exc:
            self.health.failed(name, f"poll failed: {exc}")
            metrics.POLLS.labels(name, "error").inc()
            return total
        self.health.ok(name, conn.rate_budget())
        metrics.POLLS.labels(name, "ok").inc()
        if total:
            log.info("poll.changes", connector=name, changes=total)
            if self.on_changes:
                self.on_changes()
        return total

    def poll_all(self) -> int:
        return sum(self.poll(n) for n in self.pollable())

    def start(self) -> None:
        """Schedule every pollable connector on its ``poll_interval``; the first poll runs now."""
        self.scheduler = BackgroundScheduler(timezone="UTC")
        for name in self.pollable():
            interval = float(
                getattr(getattr(self.connectors[name], "settings", None), "poll_interval", 60.0)
            )
            self.scheduler.add_job(
                self.poll,
                "interval",
                args=[name],
                seconds=interval,
                id=f"poll:{name}",
                max_instances=1,
                coalesce=True,
                next_run_time=datetime.now(UTC),
            )
        for name, (seconds, fn) in self.jobs.items():
            self.scheduler.add_job(
                fn, "interval", seconds=seconds, id=f"job:{name}", max_instances=1, coalesce=True
            )
        self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self.scheduler = None
