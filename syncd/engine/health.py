"""Connector health: logged once when a connector starts failing and once when it recovers.

``/readyz`` reports each connector's state with the reason and since when. A connector that
asked us to wait (``Retry-After``, an exhausted rate budget) is *held* until then: the worker,
the runner and the poller leave it alone meanwhile instead of spending requests on refusals.
A connector is healthy only once a request to it succeeded: until then ``/readyz`` says it
was not reached yet, and a first failure shows at once (a connector that never answered is
not weather). A connector is *stuck* when it failed in a way that does not heal by itself
(an unreadable poll cursor): unhealthy at once, and successful calls elsewhere (a write, a
webhook's read) do not clear it. Once the operator acted, ``release`` makes it an ordinary
failure that the next success clears.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from syncd.connector import RateBudget

log = structlog.get_logger("syncd.health")


NOT_YET = "not reached yet: no request to it has succeeded"


@dataclass
class State:
    healthy: bool = False
    reason: str | None = NOT_YET
    reached: bool = False  # a request to it succeeded since start
    since: datetime | None = None
    last_success: datetime | None = None
    failures: int = 0
    auth: bool = False  # the failure is about credentials, not reachability
    stuck: bool = False  # waits for an operator; see the module's docstring
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

    def track(self, name: str) -> None:
        """Follow connector ``name`` too (added by a reload); it starts not reached yet."""
        with self._lock:
            self.states.setdefault(name, State())

    def ok(self, name: str, budget: RateBudget | None = None) -> None:
        """A call to ``name`` succeeded: it recovers, unless it is stuck."""
        with self._lock:
            st = self.states.setdefault(name, State())
            st.last_success = datetime.now(UTC)
            st.reached = True
            if budget is not None:
                st.budget = budget
            if st.stuck:
                return
            if not st.healthy and st.since is not None:
                log.info(
                    "connector.recovered",
                    connector=name,
                    failing_since=str(st.since),
                    failures=st.failures,
                )
            st.healthy, st.reason, st.since, st.failures, st.auth = True, None, None, 0, False

    def failed(self, name: str, reason: str, *, auth: bool = False) -> None:
        """A call to ``name`` failed; unhealthy after ``threshold`` in a row (auth: at once)."""
        with self._lock:
            st = self.states.setdefault(name, State())
            st.failures += 1
            if st.stuck:
                return  # the reason that needs an operator stays the one shown
            never = not st.reached and st.since is None  # its first failure, before any success
            if never or (st.healthy and (auth or st.failures >= self.threshold)):
                st.healthy, st.since = False, datetime.now(UTC)
                log.error("connector.failing", connector=name, reason=reason, auth=auth)
            st.reason, st.auth = reason, auth

    def stuck(self, name: str, reason: str) -> None:
        """``name`` failed in a way that waits for an operator: unhealthy at once, logged once
        per reason, kept until ``release``."""
        with self._lock:
            st = self.states.setdefault(name, State())
            st.failures += 1
            if not st.stuck or st.reason != reason:
                log.error("connector.failing", connector=name, reason=reason, stuck=True)
            if st.healthy or st.since is None:
                st.healthy, st.since = False, datetime.now(UTC)
            st.stuck, st.reason, st.auth = True, reason, False

    def release(self, name: str, reason: str) -> None:
        """The operator acted on a stuck ``name``: it stays unhealthy with ``reason`` until the
        next success."""
        with self._lock:
            st = self.states.setdefault(name, State())
            if st.stuck:
                st.stuck, st.reason = False, reason

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
                    "stuck": s.stuck,
                    "rate_remaining": s.budget.remaining if s.budget else None,
                    "held_for": round(max(0.0, s.held_until - time.monotonic()), 1),
                }
                for n, s in self.states.items()
            }

    def unhealthy(self) -> dict[str, str]:
        """The connectors that are not healthy, with why."""
        with self._lock:
            return {n: s.reason or "unhealthy" for n, s in self.states.items() if not s.healthy}

    def all_healthy(self) -> bool:
        with self._lock:
            return all(s.healthy for s in self.states.values())

    def stuck_names(self) -> list[str]:
        """The connectors waiting for an operator."""
        with self._lock:
            return sorted(n for n, s in self.states.items() if s.stuck)
