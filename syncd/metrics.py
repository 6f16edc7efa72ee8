"""Prometheus metrics. Label sets stay bounded: connector names, action kinds, outcomes,
routes and tiers from the config; never a ticket or issue id.

Counters move where the work happens (one line each in the worker, runner and poller);
gauges that describe state (queue depth, connector health, rate budget, SLA) are set from the
store and the health registry when ``/metrics`` is scraped, see ``refresh``.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

WEBHOOKS = Counter(
    "syncd_webhooks_total",
    "Webhook deliveries by outcome (accepted, duplicate, too_large, rejected_<status>)",
    ["connector", "outcome"],
    registry=REGISTRY,
)
INTAKE_COMMITS = Counter(
    "syncd_intake_commits_total",
    "Transactions that recorded webhook deliveries (on the intake's thread); deliveries per "
    "commit is syncd_webhooks_total over this",
    ["on"],
    registry=REGISTRY,
)
POLLS = Counter(
    "syncd_polls_total", "Poll cycles by outcome", ["connector", "outcome"], registry=REGISTRY
)
ECHOES = Counter(
    "syncd_echoes_dropped_total",
    "syncd's own comments that came back (webhook or poll), dropped before the inbox",
    ["connector"],
    registry=REGISTRY,
)
CHANGES = Counter(
    "syncd_changes_processed_total",
    "Inbox changes the worker finished, by connector they came from",
    ["connector"],
    registry=REGISTRY,
)
ACTIONS = Counter(
    "syncd_actions_total",
    "Actions that reached an end or were put back, by kind and result (done, retry, dead)",
    ["kind", "result"],
    registry=REGISTRY,
)
RETRIES = Counter(
    "syncd_retries_total", "Actions rescheduled after a failure", ["kind"], registry=REGISTRY
)
BUDGET_WAITS = Counter(
    "syncd_rate_budget_waits_total",
    "Calls put back because a connector's rate limit would have been passed",
    ["connector"],
    registry=REGISTRY,
)
DEAD_LETTERS = Counter(
    "syncd_dead_letters_total", "Actions moved to dead letters", ["kind"], registry=REGISTRY
)
REDACTIONS = Counter(
    "syncd_redactions_total",
    "Distinct values the outgoing-text gate kept out of public trackers, by kind (email, "
    "phone, card, pattern[:name])",
    ["kind"],
    registry=REGISTRY,
)
API_REQUESTS = Counter(
    "syncd_api_requests_total",
    "Calls syncd made to a connector's remote API, by operation (poll, read, action kind)",
    ["connector", "operation"],
    registry=REGISTRY,
)
LAG = Histogram(
    "syncd_sync_lag_seconds",
    "Time from a change on a remote system to its processing by syncd",
    ["connector"],
    buckets=(0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600),
    registry=REGISTRY,
)
DEPTH = Gauge("syncd_queue_depth", "Rows waiting", ["queue"], registry=REGISTRY)
HEALTHY = Gauge(
    "syncd_connector_healthy", "1 when the connector is healthy", ["connector"], registry=REGISTRY
)
RATE_REMAINING = Gauge(
    "syncd_rate_budget_remaining",
    "Requests left in the connector's current rate-limit window, as the vendor last said",
    ["connector"],
    registry=REGISTRY,
)
RATE_LIMIT = Gauge(
    "syncd_rate_budget_limit",
    "Size of the connector's rate-limit window, as the vendor last said",
    ["connector"],
    registry=REGISTRY,
)
SLA = Gauge(
    "syncd_sla_links",
    "Active links whose SLA is at risk or breached now, by route and tier",
    ["state", "route", "tier"],
    registry=REGISTRY,
)
REPLICAS = Gauge(
    "syncd_replica_up",
    "1 for each replica the store saw lately (0: it stopped or was not seen), by its state",
    ["replica", "state"],
    registry=REGISTRY,
)
LEADER = Gauge(
    "syncd_leader",
    "1 for the replica that leads each singleton role (a connector's poll, the jobs)",
    ["role", "replica"],
    registry=REGISTRY,
)
CLAIMS = Gauge(
    "syncd_claims",
    "Queue rows claimed now, by the replica that holds them",
    ["replica", "queue"],
    registry=REGISTRY,
)
GC_PAUSES = Histogram(
    "syncd_gc_pause_seconds",
    "Time the interpreter stood still for a garbage collection, by generation (2: a full "
    "collection, whose pause grows with the objects alive)",
    ["generation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25),
    registry=REGISTRY,
)
_GC_BY_GENERATION = [GC_PAUSES.labels(str(g)) for g in range(3)]
_gc_began = [0.0]  # collections do not overlap: one runs at a time, under the GIL


def _on_gc(phase: str, info: dict[str, int]) -> None:
    # observe() takes each value's lock only around a float addition, which cannot start a
    # collection, so a collection never starts while this callback's locks are held
    if phase == "start":
        _gc_began[0] = time.perf_counter()
    else:
        _GC_BY_GENERATION[info["generation"]].observe(time.perf_counter() - _gc_began[0])


def watch_gc() -> None:
    """Time every garbage collection of this process into ``syncd_gc_pause_seconds``."""
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)


# the dashboard shows recent lag per connector; a bounded window keeps memory flat
_LAG_WINDOW = 500
_recent: dict[str, deque[tuple[float, float]]] = {}
_lock = threading.Lock()


def observe_lag(connector: str, changed_at: datetime | None) -> None:
    """Record the time from a remote change to now (nothing when the time is unknown)."""
    if changed_at is None:
        return
    if changed_at.tzinfo is None:
        changed_at = changed_at.replace(tzinfo=UTC)
    seconds = max(0.0, (datetime.now(UTC) - changed_at).total_seconds())
    LAG.labels(connector).observe(seconds)
    with _lock:
        _recent.setdefault(connector, deque(maxlen=_LAG_WINDOW)).append((time.time(), seconds))


def recent_lag() -> dict[str, dict[str, float | int | None]]:
    """Per connector: count, median, 95th percentile and last lag of the recent window."""
    with _lock:
        windows = {name: [s for _, s in q] for name, q in _recent.items()}
    out: dict[str, dict[str, float | int | None]] = {}
    for name, values in windows.items():
        ordered = sorted(values)
        n = len(ordered)
        out[name] = {
            "count": n,
            "median": ordered[n // 2] if n else None,
            "p95": ordered[min(n - 1, int(n * 0.95))] if n else None,
            "last": values[-1] if n else None,
        }
    return out


def refresh(
    depth: Mapping[str, int],
    health: Mapping[str, Mapping[str, Any]],
    budgets: Mapping[str, tuple[int | None, int | None]],
    sla: Mapping[tuple[str, str, str], int],
) -> None:
    """Set the state gauges before a scrape."""
    for queue, n in depth.items():
        DEPTH.labels(queue).set(n)
    for name, st in health.items():
        HEALTHY.labels(name).set(1 if st.get("healthy") else 0)
    for name, (limit, remaining) in budgets.items():
        if remaining is not None:
            RATE_REMAINING.labels(name).set(remaining)
        if limit is not None:
            RATE_LIMIT.labels(name).set(limit)
    SLA.clear()  # a route or tier with nothing at risk any more must drop to nothing
    for (state, route, tier), n in sla.items():
        SLA.labels(state, route, tier).set(n)


def refresh_cluster(snapshot: Mapping[str, Any]) -> None:
    """Set the replica, leader and claim gauges from a cluster snapshot before a scrape."""
    for gauge in (REPLICAS, LEADER, CLAIMS):
        gauge.clear()  # a replica gone, a role handed over: its old series must go
    for r in snapshot.get("replicas", []):
        REPLICAS.labels(r["id"], r["state"]).set(1 if r["alive"] else 0)
    for lead in snapshot.get("leaders", []):
        if lead["live"]:
            LEADER.labels(lead["role"], lead["holder"]).set(1)
    for replica, queues in snapshot.get("claims", {}).items():
        for queue, n in queues.items():
            CLAIMS.labels(replica, queue).set(n)
