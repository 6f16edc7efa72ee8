"""Connector health: logged once when a connector starts failing and once when it recovers.

``/readyz`` reports each connector's state with the reason and since when.
"""

from __future__ import annotations

import threading
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


class Health:
    """Thread-safe health registry of all connectors."""

    def __init__(self, names: list[str]) -> None:
        self._lock = threading.Lock()
        self.states = {n: State() for n in names}

    def ok(self, name: str, budget: RateBudget | None = None) -> None:
        with self._lock:
            st = self.states.setdefault(name, State())
            if not st.healthy:
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
            if st.healthy:
                st.healthy, st.since = False, datetime.now(UTC)
                log.error("connector.failing", connector=name, reason=reason, auth=auth)
            st.reason, st.auth = reason, auth

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
                }
                for n, s in self.states.items()
            }

    def all_healthy(self) -> bool:
        with self._lock:
            return all(s.healthy for s in self.states.values())
