"""A rolling restart of three replicas under a steady stream of webhook deliveries: each
replica in turn gets SIGTERM, answers ``/readyz`` 503 at once while still taking deliveries
for ``cluster.drain_delay`` seconds, hands back its roles and claims, exits 0 and starts
again. A balancer in the test sends each delivery to a replica whose ``/readyz`` said 200 at
its last look. No delivery is refused and every one is in the store."""

from __future__ import annotations

import itertools
import json
import threading
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from connectors.github.webhooks import sign
from syncd.store.tables import deliveries, inbox
from tests.cluster.harness import FAST, Replicas, wait_for
from tests.payloads import github_issues_event

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(240)]
BODY = json.dumps(github_issues_event("opened")).encode()


class Balancer:
    """Round robin over the replicas that answered ``/readyz`` 200 at their last look
    (looked at every 0.1 s), as a load balancer's readiness check does."""

    def __init__(self, r: Replicas) -> None:
        self.r = r
        self.ready = [True] * len(r.daemons)
        self.stop = threading.Event()
        self.sent: list[str] = []
        self.refused: list[str] = []
        self._ids = itertools.count()

    def watch(self) -> None:
        while not self.stop.is_set():
            self.ready = [self.r.ready(i) for i in range(len(self.r.daemons))]
            self.stop.wait(0.1)

    def feed(self, secret: str) -> None:
        turn = itertools.count()
        with httpx.Client(timeout=10) as client:
            while not self.stop.is_set():
                up = [i for i, ok in enumerate(self.ready) if ok]
                if not up:
                    self.stop.wait(0.05)
                    continue
                target = self.r.daemons[up[next(turn) % len(up)]]
                delivery = f"roll-{next(self._ids)}"
                headers = {
                    "Content-Type": "application/json",
                    "X-GitHub-Event": "issues",
                    "X-GitHub-Delivery": delivery,
                    "X-Hub-Signature-256": sign(secret, BODY),
                }
                try:
                    answer = client.post(
                        f"{target.url}/webhooks/github", content=BODY, headers=headers
                    )
                    ok = answer.status_code in (200, 202)
                except httpx.HTTPError:
                    ok = False
                (self.sent if ok else self.refused).append(delivery)
                self.stop.wait(0.02)  # some 40 deliveries a second


def test_a_rolling_restart_refuses_no_delivery_and_loses_none(tmp_path: Path, pg_url: str) -> None:
    settings = {**FAST, "drain_delay": 1.0}
    r = Replicas(tmp_path, pg_url, n=3, webhooks=True, cluster=settings).start()
    lb = Balancer(r)
    assert r.sb is not None
    secret = r.sb.sides["github"].secret
    threads = [
        threading.Thread(target=lb.watch, daemon=True),
        threading.Thread(target=lb.feed, args=(secret,), daemon=True),
    ]
    try:
        wait_for("every replica ready", lambda: all(r.ready(i) for i in range(3)))
        for t in threads:
            t.start()
        wait_for("deliveries flowing", lambda: len(lb.sent) > 20)
        for i, daemon in enumerate(r.daemons):
            assert daemon.stop() == 0  # drained, handed back, exited cleanly
            daemon.start()
            wait_for(f"r{i} ready again", lambda i=i: r.ready(i))
        sent = len(lb.sent)
        wait_for("more deliveries after the last restart", lambda: len(lb.sent) > sent + 20)
        lb.stop.set()
        for t in threads:
            t.join(10)
        assert lb.refused == []
        count = sa.select(sa.func.count()).select_from(deliveries)
        assert r.read(lambda tx: tx.execute(count).scalar()) == len(lb.sent)
        left = sa.select(sa.func.count()).select_from(inbox)
        wait_for(
            "every change processed", lambda: r.read(lambda tx: tx.execute(left).scalar()) == 0
        )
        print(f"\nrolling restart: {len(lb.sent)} deliveries, {len(lb.refused)} refused")
    finally:
        lb.stop.set()
        r.stop()
    assert not r.errors(), r.errors()
