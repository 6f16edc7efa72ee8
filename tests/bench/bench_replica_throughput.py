"""Figure 12, throughput: 1, 2 and 3 ``syncd run`` replicas on one PostgreSQL database against
emulators that answer with the vendors' latency (:data:`syncd.emulator_kit.VENDOR_LATENCY`,
p50 150 ms) and hold syncd to their documented limits.

Set-up runs with the limits lifted on both sides and syncd's budgets off: ``replica_pairs``
tickets are escalated and their issues filed. Then the replicas restart with syncd's budgets
on (the documented limits, each replica keeping its own), the emulators hold the vendors'
limits with every window fresh, and the clock starts: ``replica_burst`` developer comments
are made at once on the issues (webhooks go to the first replica; every replica takes work
from the shared queues), each copied to its ticket as an internal note, one Zendesk Update
Ticket per change. Zendesk allows 100 of those a minute for the account.

Printed per replica count: changes/s over the first ``FIRST`` changes (inside Zendesk's
first window, where lanes and latency bind) and over the whole burst (past the window, where
Update Ticket's 100 a minute binds), each against one replica's, and the limit refusals.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from connectors.github.emulator.limits import GitHubLimits
from connectors.github.mapping import parse_issue_key
from connectors.zendesk.emulator.limits import ZendeskLimits
from syncd.emulator_kit import VENDOR_LATENCY
from syncd.model import Ref
from syncd.store.repository import Store
from tests.bench.bench_drain import fresh_postgres
from tests.bench.harness import Figure, Scale
from tests.bench.vendor import floor_of, wait_for
from tests.cluster.harness import Replicas

RTT = VENDOR_LATENCY.p50
UPDATES = ZendeskLimits().ticket_updates_per_minute  # Zendesk's Update Ticket, a minute
FIRST = UPDATES * 9 // 10  # changes counted inside the first window
LANES = 4  # the runner's default, per replica
CLUSTER = {"claim_lease": 15.0, "leader_lease": 5.0, "heartbeat": 1.0}  # the defaults
SANDBOX: dict[str, Any] = {
    "vendor_limits": True,
    "build_kwargs": {
        "zendesk": {"limits": ZendeskLimits.lifted(), "latency": VENDOR_LATENCY},
        "github": {"limits": GitHubLimits.lifted(), "latency": VENDOR_LATENCY},
    },
    "overrides": {"zendesk": {"limits": []}, "github": {"limits": []}},  # set-up: no budgets
}


def _budgets_on(conf: dict[str, Any]) -> None:
    """A replica's config with syncd's budgets: the documented limits of each connector."""
    for connector in conf["connectors"].values():
        connector.pop("limits", None)


def _set_up(r: Replicas, store: Store, pairs: int) -> list[tuple[Ref, Ref]]:
    """``pairs`` escalated tickets with their issues, every queue empty."""
    assert r.sb is not None
    emu = r.sb.helpdesk.emulator
    tickets = [
        Ref.ticket(
            "zendesk", emu.create_ticket(f"Export fails #{n}", "Crashes.", tags=["escalate"])
        )
        for n in range(pairs)
    ]

    def issues() -> list[tuple[Ref, Ref]] | None:
        with store.peek() as tx:
            links = [store.link_for_ticket(tx, str(t)) for t in tickets]
        if any(link is None for link in links):
            return None
        return [
            (t, Ref.parse(link.issue_ref)) for t, link in zip(tickets, links, strict=True) if link
        ]

    found = r.sb.wait("every issue filed", issues, timeout=600)
    r.sb.wait("queues empty", lambda: _quiet(r, store), timeout=300)
    return found


def _quiet(r: Replicas, store: Store) -> bool:
    assert r.sb is not None
    for side in r.sb.sides.values():
        side.emulator.control.webhooks.flush()
    depth = store.depth()
    return depth["inbox"] == 0 and depth["outbox"] == 0


def measure(n: int, scale: Scale) -> dict[str, Any]:
    """One run with ``n`` replicas: seconds until the first FIRST and all changes arrived."""
    burst = scale.replica_burst
    first = min(FIRST, burst)
    loadavg = Path("/proc/loadavg")
    load = float(loadavg.read_text().split()[0]) if loadavg.exists() else None
    with fresh_postgres() as pg:
        folder = Path(tempfile.mkdtemp(prefix=f"syncd-bench-throughput-{n}-"))
        r = Replicas(folder, pg, n=n, poll_interval=30.0, cluster=CLUSTER, sandbox=SANDBOX)
        r.start()
        store = Store.open(pg, migrate=False)
        try:
            assert r.sb is not None
            pairs = _set_up(r, store, scale.replica_pairs)
            r.restart(_budgets_on)
            sides = r.sb.sides
            sides["zendesk"].emulator.set_limits(ZendeskLimits())
            sides["github"].emulator.set_limits(GitHubLimits())
            for side in sides.values():
                side.emulator.control.refused.clear()
            zendesk = sides["zendesk"].emulator
            before = sum(zendesk.control.requests.values())
            gh, login = sides["github"].emulator, sides["github"].actor.login
            cpu_began = _cpu(r)
            began = time.perf_counter()
            for i in range(burst):
                repo, number = parse_issue_key(pairs[i % len(pairs)][1].key)
                gh.comment_as(login, repo, number, f"Burst note {i}.")
            made = time.perf_counter() - began
            state = zendesk.state

            def arrived() -> int:  # one pass over the account's audits, not one per ticket
                return sum(
                    e["type"] == "Comment" and "Burst note " in str(e.get("body", ""))
                    for a in list(state.audits)
                    for e in a.events
                )

            took_first = wait_for(f"{first} notes", lambda: arrived() >= first, 1800) + made
            cpu_first = _cpu(r)
            took_all = wait_for(f"{burst} notes", lambda: arrived() >= burst, 3600) + took_first
            got = arrived()
            requests = sum(zendesk.control.requests.values()) - before
            refused = {
                f"{k}: {name}": v
                for k, side in sides.items()
                for name, v in side.emulator.control.refused.items()
            }
            errors = r.errors()
        finally:
            store.close()
            r.stop()
    return {
        "replicas": n,
        "first": first,
        "first_seconds": took_first,
        "burst": burst,
        "all_seconds": took_all,
        "arrived": got,
        "zendesk_requests": requests,
        "refused": refused,
        "errors": len(errors),
        # over the first changes: the host's CPU busy (0-1, all cores), the cores the
        # replicas and this process used (None without /proc); the host's load average
        # before the run (the host is shared)
        "host_busy": _share(cpu_began, cpu_first, 0),
        "replica_cores": _share(cpu_began, cpu_first, 2),
        "emulator_cores": _share(cpu_began, cpu_first, 3),
        "load_before": load,
    }


def _cpu_note(m: dict[str, Any]) -> str:
    if m["host_busy"] is None:
        return "no /proc: CPU not read"
    return (
        f"over the first {m['first']}: host CPU {m['host_busy']:.0%} busy "
        f"({os.cpu_count()} cores, load average {m['load_before']} before the run), the "
        f"replicas used {m['replica_cores']:.2f} cores, the emulators' process "
        f"{m['emulator_cores']:.2f}"
    )


def _cpu(r: Replicas) -> tuple[float, float, float, float] | None:
    """(the host's busy and total CPU seconds, the replicas' CPU seconds, this process's),
    from /proc."""
    stat = Path("/proc/stat")
    if not stat.exists():
        return None
    tick = os.sysconf("SC_CLK_TCK")
    jiffies = [float(x) for x in stat.read_text().split("\n", 1)[0].split()[1:]]
    idle = jiffies[3] + jiffies[4]  # idle, iowait
    replicas = 0.0
    for d in r.daemons:
        assert d.proc is not None
        fields = Path(f"/proc/{d.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        replicas += (float(fields[11]) + float(fields[12])) / tick  # utime, stime
    mine = os.times()  # this process: the emulators, the webhooks they send, the counting
    return (sum(jiffies) - idle) / tick, sum(jiffies) / tick, replicas, mine.user + mine.system


def _share(
    a: tuple[float, float, float, float] | None,
    b: tuple[float, float, float, float] | None,
    which: int,
) -> float | None:
    """Between two readings: the host's busy share (``which`` 0), or the cores used by the
    replicas (2) or by this process (3)."""
    if a is None or b is None or b[1] <= a[1]:
        return None
    total = b[1] - a[1]
    if which == 0:
        return (b[0] - a[0]) / total
    return (b[which] - a[which]) / (total / (os.cpu_count() or 1))


def run(scale: Scale, out: list[Figure]) -> None:
    runs = [measure(n, scale) for n in (1, 2, 3)]
    one = runs[0]
    for m in runs:
        n = m["replicas"]
        rate_first = m["first"] / m["first_seconds"]
        rate_all = m["burst"] / m["all_seconds"]
        ratio_first = rate_first / (one["first"] / one["first_seconds"])
        ratio_all = rate_all / (one["burst"] / one["all_seconds"])
        lanes_floor = floor_of(m["first"], UPDATES, 60.0, RTT, lanes=LANES * n)
        window_floor = floor_of(m["burst"], UPDATES, 60.0, RTT, lanes=LANES * n)
        figure = Figure(
            "12",
            f"throughput, {n} replica{'s' if n > 1 else ''}: first {m['first']} of "
            f"{m['burst']} comments at once",
            round(rate_first, 2),
            "changes/s",
            baseline=round(m["first"] / lanes_floor, 2),
            target="rises with replicas until a vendor limit",
            met=None if n == 1 else ratio_first > 1.1,
            note=f"{ratio_first:.2f}x one replica; whole burst {rate_all:.2f} changes/s "
            f"({ratio_all:.2f}x one replica; Update Ticket's {UPDATES} a minute allow "
            f"{m['burst'] / window_floor:.2f}); {m['arrived']} of {m['burst']} arrived; "
            f"Zendesk requests {m['zendesk_requests']}; refused {m['refused'] or 'none'}; "
            f"tracebacks {m['errors']}; {_cpu_note(m)}",
            extra=m,
        )
        out.append(figure)
        print(f"figure 12: {figure.name}: {figure.value} {figure.unit}; {figure.note}", flush=True)
