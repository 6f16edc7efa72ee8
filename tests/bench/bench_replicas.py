"""Figure 8: replicas on one PostgreSQL database (``syncd run`` processes, emulators here).

- Poll requests with 3 replicas divided by those with 1, over the same window with nothing
  changing: one replica leads each connector's poll, so the target is 1.0.
- Takeover after a kill -9, with the default leases (claims 15 s, leaders 5 s, heartbeat
  1 s): the replica that holds an issue creation under way is killed; the figure is the time
  from the kill until another replica holds the action (target: at most 2x the claim lease),
  noted with the time until the issue was filed, and the time until another replica led the
  poll the killed one led.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from syncd.store.tables import outbox
from tests.bench.bench_drain import fresh_postgres
from tests.bench.harness import Figure, Scale, verdict
from tests.chaos.harness import Case, verify
from tests.cluster.harness import Replicas, wait_for

WINDOW = 10.0  # seconds of polling counted
CREATE = r"/repos/[^/]+/[^/]+/issues$"
DEFAULTS = {"claim_lease": 15.0, "leader_lease": 5.0, "heartbeat": 1.0}


def _gets(r: Replicas) -> int:
    assert r.sb is not None
    return sum(s.emulator.control.total("GET") for s in r.sb.sides.values())


def poll_requests(n: int) -> int:
    """GET requests the emulators answered over ``WINDOW`` seconds of ``n`` idle replicas."""
    with fresh_postgres() as pg:
        folder = Path(tempfile.mkdtemp(prefix=f"syncd-bench-replicas-{n}-"))
        r = Replicas(folder, pg, n=n, webhooks=False, poll_interval=0.5, cluster=DEFAULTS)
        r.start()
        try:
            roles = {"poll:zendesk", "poll:github", "jobs"}
            wait_for("every role led", lambda: r.leaders().keys() >= roles)
            time.sleep(2.0)  # first polls (no cursor yet) behind
            before = _gets(r)
            time.sleep(WINDOW)
            return _gets(r) - before
        finally:
            r.stop()


def _holders(r: Replicas) -> list[str]:
    q = sa.select(outbox.c.claimed_by).where(outbox.c.state == "running")
    return r.read(lambda tx: [str(h) for h in tx.execute(q).scalars()])


def takeover() -> tuple[float, float, float]:
    """(seconds until another replica held the action, until the issue was filed, until
    another replica led the killed one's poll)."""
    with fresh_postgres() as pg:
        folder = Path(tempfile.mkdtemp(prefix="syncd-bench-takeover-"))
        r = Replicas(folder, pg, n=3, webhooks=False, poll_interval=0.5, cluster=DEFAULTS)
        r.start()
        try:
            assert r.sb is not None
            wait_for("every role led", lambda: "poll:zendesk" in r.leaders())
            faults = r.sb.sides["github"].emulator.control.faults
            faults.add("latency", path=CREATE, method="POST", times=None, seconds=2.0)
            case = Case(1, r.sb.helpdesk.create_ticket("chaos case 00001", "x", tags=["escalate"]))
            holder = wait_for("the creation under way", lambda: _holders(r))[0]
            polled_by = r.leaders()["poll:zendesk"][0]
            r.daemons[r.index(holder)].kill()
            killed = time.monotonic()
            led = None
            held = None
            while time.monotonic() - killed < 120:
                if held is None and any(h != holder for h in _holders(r)):
                    held = time.monotonic() - killed
                lead = r.leaders().get("poll:zendesk")
                if led is None and (polled_by != holder or (lead and lead[0] != holder)):
                    led = time.monotonic() - killed if polled_by == holder else 0.0
                if verify(r.sb, [case]).ok:
                    break
                time.sleep(0.05)
            filed = time.monotonic() - killed
            return held if held is not None else filed, filed, led or 0.0
        finally:
            r.stop()


def run(scale: Scale, out: list[Figure]) -> None:
    one = poll_requests(1)
    three = poll_requests(3)
    ratio = three / one if one else None
    out.append(
        Figure(
            "12",
            "poll requests, 3 replicas / 1",
            round(ratio, 2) if ratio is not None else None,
            "x",
            target="1.0",
            met=verdict(ratio, 1.1),
            note=f"{three} vs {one} GET requests in {WINDOW:.0f} s, polls every 0.5 s",
        )
    )
    held, filed, led = takeover()
    lease = DEFAULTS["claim_lease"]
    out.append(
        Figure(
            "12",
            "takeover after kill -9",
            round(held, 1),
            "s",
            target=f"<= {2 * lease:.0f} s (2x the {lease:.0f} s claim lease)",
            met=verdict(held, 2 * lease),
            note=f"issue filed {filed:.1f} s after the kill (2 s vendor answer); "
            f"its poll led by another replica after {led:.1f} s",
        )
    )
