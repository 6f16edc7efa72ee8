"""This process as one replica among several on PostgreSQL: its identity, its heartbeat and
the singleton roles it leads (see :mod:`syncd.store.cluster` for the rows behind them).

Every ``cluster.heartbeat`` seconds a thread notes the replica as seen, renews the leases of
all its claims, and takes or renews the roles it may lead. A role counts as held only while
its last renewal is younger than the leader lease less one heartbeat, so a replica cut off
from the database stops acting as leader before another may take over; a write on a role's
behalf is fenced by its token anyway.

On SQLite one process serves the store: it leads every role, and claims keep their long
lease with no heartbeat (its start gives back whatever a killed run left).
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable

import structlog

from syncd.errors import ConfigError
from syncd.settings import ClusterSettings
from syncd.store import cluster
from syncd.store.cluster import Fence
from syncd.store.repository import Store

log = structlog.get_logger("syncd.cluster")
JOBS = "jobs"  # the role of the periodic singleton jobs (SLA clocks, pruning)


def default_id() -> str:
    """The host name and process id: stable across restarts of a container (pid 1)."""
    return f"{socket.gethostname()}-{os.getpid()}"


class Membership:
    """This replica: identity, heartbeat, claims' leases and leadership."""

    def __init__(
        self, store: Store, settings: ClusterSettings, roles: Callable[[], Iterable[str]]
    ) -> None:
        self.store = store
        self.settings = settings
        self.roles = roles  # the roles there are (one per pollable connector, and JOBS)
        self.id = settings.replica_id or default_id()
        self.instance = uuid.uuid4().hex
        self.single = store.is_sqlite
        self.state = "up"
        self._held: dict[str, tuple[int, float]] = {}  # role -> (token, monotonic renewal)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        store.replica_id = self.id
        if not self.single:
            store.lease = settings.claim_lease

    # -- leadership -------------------------------------------------------------------
    def fence(self, role: str) -> Fence | None:
        """The fence to write with on behalf of ``role``, or None when another leads it."""
        if self.single:
            return Fence(role, self.id, 0)
        with self._lock:
            held = self._held.get(role)
        if held is None:
            return None
        token, renewed = held
        margin = self.settings.leader_lease - self.settings.heartbeat
        if time.monotonic() - renewed > margin:
            return None  # not renewed lately: another replica may lead by now
        return Fence(role, self.id, token)

    def leads(self, role: str) -> bool:
        """Whether this replica performs ``role`` now."""
        return self.fence(role) is not None

    def held(self) -> list[str]:
        """The roles this replica leads now."""
        roles = self.roles() if self.single else list(self._held)
        return sorted(r for r in roles if self.leads(r))

    # -- life ---------------------------------------------------------------------------
    def recover(self) -> int:
        """On SQLite, give back every claim: one process serves the store (the file is the
        lock), so what is marked working or running at start belonged to a process of ours
        that died. It is retried now, not when its lease runs out; a retried action looks
        for its earlier effect first (idempotency keys). On PostgreSQL other replicas may be
        alive: :meth:`join` takes back this replica's own claims, leases decide the rest."""
        if not self.single:
            return 0
        with self.store.tx() as tx:
            n = cluster.reclaim(tx, None)
        if n:
            log.warning("service.recovered", claims=n)
        return n

    def join(self) -> int:
        """Note this replica as up and take back the claims an earlier run of it left;
        return how many. Refused when a live process already serves under this id."""
        if self.single:
            return 0
        with self.store.tx() as tx:
            before = cluster.seen(tx, self.id)
        if before is not None and before.state != "down" and before.instance != self.instance:
            self._refuse_twin(before.seen_at)
        with self.store.tx() as tx:
            cluster.join(tx, self.id, self.instance, socket.gethostname(), os.getpid())
            n = cluster.reclaim(tx, self.id)
        if n:
            log.warning("cluster.reclaimed", replica=self.id, claims=n)
        log.info("cluster.joined", replica=self.id)
        return n

    def _refuse_twin(self, seen_at: object) -> None:
        """Wait two heartbeats: if the row's last sighting moved meanwhile, another process
        is alive under this id (two of them would take each other's claims)."""
        time.sleep(2 * self.settings.heartbeat + 0.1)
        with self.store.tx() as tx:
            again = cluster.seen(tx, self.id)
        if again is not None and again.seen_at != seen_at and again.state != "down":
            why = (
                f"in use by a live process (on {again.host}, pid {again.pid}); "
                "give each replica its own id"
            )
            raise ConfigError([("<config>", "cluster.replica_id", f"{self.id!r} is {why}")])

    def start(self) -> None:
        """Take the roles that are free now, then beat in the background."""
        if self.single:
            return
        self.beat()
        self._thread = threading.Thread(target=self._run, name="cluster", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        failing = False  # logged once when beats start failing, once when they recover
        while not self._stop.wait(self.settings.heartbeat):
            try:
                self.beat()
            except Exception:
                if not failing:
                    log.exception("cluster.beat_failed", replica=self.id)
                failing = True
                continue
            if failing:
                log.info("cluster.beat_recovered", replica=self.id)
            failing = False

    def beat(self) -> None:
        """One heartbeat: seen, claims renewed, roles taken or renewed (while up)."""
        s = self.settings
        with self.store.tx() as tx:
            cluster.beat(tx, self.id, self.instance, self.state, s.claim_lease)
        if self.state != "up":
            return
        for role in self.roles():
            t = time.monotonic()
            with self.store.tx() as tx:
                token = cluster.lead(tx, role, self.id, s.leader_lease)
            with self._lock:
                before = self._held.get(role)
                if token is None:
                    self._held.pop(role, None)
                else:
                    self._held[role] = (token, t)
            if before is None and token is not None:
                log.info("cluster.leads", replica=self.id, role=role, fence=token)
            elif before is not None and token is None:
                log.warning("cluster.lost", replica=self.id, role=role)

    def drain(self) -> None:
        """Stop leading (another replica takes the roles at its next beat) and show the
        replica as draining."""
        if self.state != "up":
            return
        self.state = "draining"
        if self.single:
            return
        with self._lock:
            roles = list(self._held)
            self._held.clear()
        with self.store.tx() as tx:
            for role in roles:
                cluster.resign(tx, role, self.id)
            cluster.beat(tx, self.id, self.instance, self.state, self.settings.claim_lease)

    def stop(self, *, hand_back: bool) -> None:
        """Stop beating and leave; with ``hand_back`` (no work of ours runs any more) the
        claims still held go back to the queue for the other replicas now."""
        self.drain()
        if self.single or self.state == "down":
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
        with self.store.tx() as tx:
            n = cluster.reclaim(tx, self.id) if hand_back else 0
            cluster.leave(tx, self.id, self.instance)
        self.state = "down"
        log.info("cluster.left", replica=self.id, handed_back=n)

    def snapshot(self) -> dict[str, object]:
        """The cluster seen from here: this replica, and every replica, leader and claim."""
        alive = max(3 * self.settings.heartbeat, self.settings.leader_lease)
        with self.store.peek() as conn:
            snap = cluster.snapshot(conn, alive).as_dict()
        if self.single:  # the one process: it has no row of its own
            snap["replicas"] = [{"id": self.id, "state": self.state, "alive": True}]
            snap["leaders"] = [{"role": r, "holder": self.id, "live": True} for r in self.held()]
        return {"replica": self.id, "state": self.state, "leads": self.held(), **snap}
