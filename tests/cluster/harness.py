"""Several ``syncd run`` processes on one PostgreSQL database, with the emulators served by
the test process: replicas that can be killed with SIGKILL, stopped with SIGTERM and
started again under the same replica id. Verdicts read the emulators and the store."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import yaml

from syncd.store import cluster
from syncd.store.repository import Store
from syncd.testing.sandbox import Sandbox
from syncd.testing.server import free_port
from tests.chaos.daemon import Daemon

T = TypeVar("T")
# short leases, so that a test sees a takeover in seconds (the defaults are 15 s and 5 s)
FAST = {"claim_lease": 3.0, "leader_lease": 2.0, "heartbeat": 0.3}


@dataclass
class Replicas:
    """``n`` replicas of one config on ``url``; the emulators send webhooks to the first."""

    folder: Path
    url: str
    n: int = 3
    poll_interval: float = 0.3
    cluster: dict[str, Any] = field(default_factory=lambda: dict(FAST))
    webhooks: bool = True
    routes: list[dict[str, Any]] | None = None
    sandbox: dict[str, Any] = field(default_factory=dict)  # more Sandbox arguments
    sb: Sandbox | None = None
    daemons: list[Daemon] = field(default_factory=list)

    def start(self) -> Replicas:
        ports = [free_port() for _ in range(self.n)]
        self.sb = Sandbox(
            folder=self.folder / "sb",
            port=ports[0],
            poll_interval=self.poll_interval,
            webhooks=self.webhooks,
            routes=self.routes,
            **self.sandbox,
        )
        conf = self.sb.start_emulators()
        for side in self.sb.sides.values():
            side.emulator.control.budget.limit = 10**9
        Store.open(self.url).close()  # migrated once here: each replica finds nothing to do
        for i, port in enumerate(ports):
            mine = yaml.safe_load(yaml.safe_dump(conf))
            mine["store"] = {"url": self.url, "pool_size": 4, "max_overflow": 4}
            mine["server"]["port"] = port
            mine["cluster"] = {**self.cluster, "replica_id": f"r{i}"}
            mine["log"] = {"level": "info"}
            path = self.folder / f"r{i}.yaml"
            path.write_text(yaml.safe_dump(mine))
            logs = self.folder / f"logs-r{i}"
            logs.mkdir(exist_ok=True)
            self.daemons.append(Daemon(path, port, logs))
        for d in self.daemons:
            d.start(wait=False)
        for d in self.daemons:
            d.wait_serving()
        return self

    def restart(self, edit: Callable[[dict[str, Any]], None]) -> None:
        """Stop every replica (SIGTERM), apply ``edit`` to each one's config, start them
        all again under the same ids."""
        for d in self.daemons:
            d.stop()
        for d in self.daemons:
            conf = yaml.safe_load(d.config.read_text())
            edit(conf)
            d.config.write_text(yaml.safe_dump(conf))
        for d in self.daemons:
            d.start(wait=False)
        for d in self.daemons:
            d.wait_serving()

    def stop(self) -> None:
        for d in self.daemons:
            d.stop()
        if self.sb is not None:
            self.sb.stop()

    def errors(self) -> list[str]:
        return [e for d in self.daemons for e in d.errors()]

    def read(self, fn: Callable[[Any], T]) -> T:
        """``fn`` over a connection to the store (a fresh engine: no state shared)."""
        store = Store.open(self.url, migrate=False)
        try:
            with store.tx() as tx:
                return fn(tx)
        finally:
            store.close()

    def leaders(self) -> dict[str, tuple[str, int]]:
        """Role -> (holder, token) of every role whose lease runs now."""
        snap = self.read(lambda tx: cluster.snapshot(tx, 60.0))
        return {r["role"]: (r["holder"], r["token"]) for r in snap.leaders if r["live"]}

    def index(self, replica_id: str) -> int:
        return int(replica_id.removeprefix("r"))

    def ready(self, i: int) -> bool:
        try:
            return httpx.get(self.daemons[i].url + "/readyz", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False


def wait_for(what: str, fn: Callable[[], T | None], timeout: float = 60.0) -> T:
    """Poll ``fn`` until it gives something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = fn()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
