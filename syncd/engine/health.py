"""Connector health: logged once when a connector starts failing and once when it recovers.

``/readyz`` reports each connector's state with the reason and since when. A connector that
asked us to wait (``Retry-After``, an exhausted rate budget) is *held* until then: the worker,
the runner and the poller leave it alone meanwhile instead of spending requests on refusals.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from syncd.connector import RateBudget

log = structlog.get_logger("syncd.health")


@dataclass
class State:
    healthy: bool = True
    reason: str | None = None
    since: datetime | None = None
    last_success: datetime | None = None
    failures: int = 0
    auth: bool = False  # the failure is about credentials, not reachability
    budget: RateBudget | None = None
    held_until: float = 0.0  # time.monotonic() before which no request is made


class Health:
    """Thread-safe health registry of all connectors."""

    def __init__(self, names: list[str], *, threshold: int = 3) -> None:
        # a lone 502 between successes is weather, not an outage: a connector turns unhealthy
        # after ``threshold`` failures in a row (at once for refused credentials), so a
        # flapping API does not flood the log with failing/recovered pairs
        self.threshold = threshold
        self._lock = threading.Lock()
        self.states = {n: State() for n in names}

    def ok(self, name: str, budget: RateBudget | None = None) -> None:
        with self._lock:
            st = self.states.setdefault(name, State())
            if not st.healthy and st.since is not None:
                log.info(
                    "connector.recovered",
                    connector=name,
                    failing_since=str(st.since),
                    failures=st.failures,
                )
            st.healthy, st.reason, st.since, st.failures, st.auth = True, None, None, 0, False
            st.last_success = datetime.now(UTC)
            if budget is not None:
                st.budget = budget

    def failed(self, name: str, reason: str, *, auth: bool = False) -> None:
        with self._lock:
            st = self.states.setdefault(name, State())
            st.failures += 1
            if st.healthy and (auth or st.failures >= self.threshold):
                st.healthy, st.since = False, datetime.now(UTC)
                log.error("connector.failing", connector=name, reason=reason, auth=auth)
            st.reason, st.auth = reason, auth

    def hold(self, name: str, seconds: float, reason: str) -> None:
        """The vendor asked for quiet: no request to ``name`` for ``seconds``."""
        with self._lock:
            st = self.states.setdefault(name, State())
            until = time.monotonic() + max(0.0, seconds)
            if until > st.held_until:
                if st.held_until <= time.monotonic():
                    log.warning(
                        "connector.held", connector=name, seconds=round(seconds, 1), reason=reason
                    )
                st.held_until = until

    def held(self, name: str) -> float:
        """Seconds left before ``name`` may be called again (0: now)."""
        with self._lock:
            st = self.states.get(name)
            return max(0.0, st.held_until - time.monotonic()) if st else 0.0

    def snapshot(self) -> dict[str, dict[str, object]]:
        with self._lock:
            return {
                n: {
                    "healthy": s.healthy,
                    "reason": s.reason,
                    "since": s.since.isoformat() if s.since else None,
                    "last_success": s.last_success.isoformat() if s.last_success else None,
                    "failures": s.failures,
                    "rate_remaining": s.budget.remaining if s.budget else None,
                    "held_for": round(max(0.0, s.held_until - time.monotonic()), 1),
                }
                for n, s in self.states.items()
            }

    def all_healthy(self) -> bool:
        with self._lock:
            return all(s.healthy for s in self.states.values())
