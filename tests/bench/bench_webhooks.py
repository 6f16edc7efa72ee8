"""Figure 1: webhook deliveries accepted per second and time to answer, against a bare ASGI
app answering 202 under the same uvicorn settings.

Each server runs in its own process (``syncd run``; ``bare`` for the baseline), the load in a
third (``loadgen``). The daemon runs whole (worker, runner, poller), so the inbox it fills is
being drained while it answers, as in production. Every delivery is a signed GitHub
``issues`` payload with its own delivery id, so each one is verified and persisted.

Two more references (``floor``) do the least a durable answer takes, with nothing of
syncd's: verify, parse the JSON and commit the delivery id to SQLite, on the event loop in
batches as syncd's intake does; the second also keeps the raw body, which is the least a
receiver that loses nothing must write if it does not map the delivery first. The distance
from them to the bare app is what the runtime costs; syncd's distance to them is its own.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import httpx

from syncd.testing.sandbox import Sandbox
from syncd.testing.server import free_port
from tests.bench import scenario
from tests.bench.harness import Figure, Scale, python, verdict
from tests.bench.measure import ROOT, percentile, thread_cpu

CONCURRENCY = 8  # connections a busy vendor keeps open to one receiver


def load(port: int, path: str, delivery: dict[str, Any], **spec: Any) -> dict[str, Any]:
    """Run the load generator in its own process against ``127.0.0.1:port``."""
    doc = {"host": "127.0.0.1", "port": port, "path": path, **delivery, **spec}
    out = subprocess.run(
        [python(), "-m", "tests.bench.loadgen"],
        input=json.dumps(doc),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=600,
    )
    return dict(json.loads(out.stdout))


def signed_delivery(sb: Sandbox) -> dict[str, Any]:
    """A real signed ``issues`` delivery from the GitHub emulator, ready to be repeated."""
    emu = sb.sides["github"].emulator
    emu.create_issue_as("dev-alice", sb.project, "Crash on export", "Steps: open, export.")
    event, headers, body = emu.control.webhooks.captured[-1]
    assert event == "issues"
    keep = {k: v for k, v in headers.items() if k.lower() != "x-github-delivery"}
    return {
        "headers": keep,
        "body": body.decode(),
        "id_header": "X-GitHub-Delivery",
    }


def _answers(port: int, status: int) -> bool:
    """Whether the server on ``port`` answers an unsigned ``{}`` with ``status``."""
    try:
        return httpx.post(f"http://127.0.0.1:{port}/", content=b"{}").status_code == status
    except httpx.HTTPError:
        return False


def _serve(module: str, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([python(), "-m", f"tests.bench.{module}", *args], cwd=ROOT, env=env)


def median_round(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The round of median rate (the lower of the middle two for an even count)."""
    ordered = sorted(rounds, key=lambda r: float(r["rate"]))
    return ordered[(len(ordered) - 1) // 2]


def _ratios(server: dict[str, Any], bare: dict[str, Any]) -> list[float]:
    """The server's rate over the bare app's, round by round."""
    pairs = zip(server["rounds"], bare["rounds"], strict=True)
    return [s["rate"] / b["rate"] if b["rate"] else 0.0 for s, b in pairs]


def _listed(ratios: list[float]) -> str:
    return ", ".join(f"{r:.2f}" for r in ratios)


def _reference(name: str, pair: tuple[dict[str, Any], dict[str, Any]], what: str) -> Figure:
    """A reference server's saturated rate beside the bare app's, its ratio per round."""
    server, bare = pair
    rate, base = server["saturated"]["rate"], bare["saturated"]["rate"]
    note = f"per round: {_listed(_ratios(server, bare))} of bare; {what}"
    return Figure("1", name, rate, "req/s", base, "", None, note)


def _cpu_figure(results: dict[str, dict[str, Any]]) -> Figure:
    """The event-loop thread's CPU per delivery, syncd beside the bare app, from /proc.

    On a host of two cores the load generator shares the machine with the server, so the
    rate moves with whatever else runs; the CPU a delivery costs the event loop moves less,
    and bare / syncd is the rate ratio the event loop allows."""
    per = {k: [r["cpu_us"] for r in v["rounds"]] for k, v in results.items()}
    if any(u is None for units in per.values() for u in units):
        return Figure("1", "event-loop CPU per delivery (saturated)", None, "µs", note="no /proc")
    med = {k: statistics.median(v) for k, v in per.items()}
    ratios = [b / s for b, s in zip(per["baseline"], per["syncd"], strict=True)]
    note = (
        f"the thread running the event loop, from /proc; bare / syncd per round: "
        f"{_listed(ratios)}; the floors {med['floor']:.0f} µs (id only) and "
        f"{med['floor_body']:.0f} µs (body kept)"
    )
    return Figure(
        "1",
        "event-loop CPU per delivery (saturated)",
        med["syncd"],
        "µs",
        med["baseline"],
        "",
        None,
        note,
        extra={"per_round_us": per},
    )


def _summary(res: dict[str, Any], cpu: float | None = None) -> dict[str, Any]:
    lat = res["latencies_ms"]
    return {
        "rate": len(lat) / res["elapsed"] if res["elapsed"] else 0.0,
        # the server's event-loop thread, CPU microseconds per delivery answered
        "cpu_us": cpu * 1e6 / len(lat) if cpu is not None and lat else None,
        "p50": percentile(lat, 50),
        "p99": percentile(lat, 99),
        "statuses": res["statuses"],
        "errors": res["errors"],
    }


def run(scale: Scale, out: list[Figure]) -> None:
    """Measure the daemon's webhook path next to the bare 202 app."""
    folder = Path(tempfile.mkdtemp(prefix="syncd-bench-hooks-"))
    world = scenario.start(folder, webhooks=True, links=0)
    port, floor_port, body_port = free_port(), free_port(), free_port()
    secret = world.sb.sides["github"].secret
    refs = [
        _serve("bare", str(port)),
        _serve("floor", str(floor_port), str(folder / "floor.db"), secret, "id"),
        _serve("floor", str(body_port), str(folder / "floor-body.db"), secret, "body"),
    ]
    try:
        world.sb.wait("baseline up", lambda: _answers(port, 202), timeout=30)
        # the floors verify signatures: an unsigned body gets 401
        for p in (floor_port, body_port):
            world.sb.wait("floor up", lambda p=p: _answers(p, 401), timeout=30)
        delivery = signed_delivery(world.sb)
        world.settle()
        targets = {
            "baseline": (port, "/"),
            "floor": (floor_port, "/"),
            "floor_body": (body_port, "/"),
            "syncd": (world.sb.port, "/webhooks/github"),
        }
        for label, (p, path) in targets.items():  # warm each up alike
            load(p, path, delivery, count=200, concurrency=CONCURRENCY, id_prefix=f"w{label}")
        # saturated rounds alternate between the servers, so a slow spell of a shared
        # host lands on all of them; each round's ratio compares runs seconds apart
        rounds: dict[str, list[dict[str, Any]]] = {label: [] for label in targets}
        pids = dict(zip(("baseline", "floor", "floor_body"), (r.pid for r in refs), strict=True))
        assert world.daemon.proc is not None
        pids["syncd"] = world.daemon.proc.pid
        for n in range(scale.webhook_rounds):
            for label, (p, path) in targets.items():
                before = thread_cpu(pids[label])
                sat = load(
                    p,
                    path,
                    delivery,
                    count=scale.webhook_requests,
                    concurrency=CONCURRENCY,
                    id_prefix=f"s{n}{label}",
                )
                after = thread_cpu(pids[label])
                used = after - before if before is not None and after is not None else None
                rounds[label].append(_summary(sat, used))
            # syncd's worker drains what its round left in the inbox: not during the next
            world.settle(timeout=600)
        results: dict[str, dict[str, Any]] = {
            label: {"saturated": median_round(rounds[label]), "rounds": rounds[label]}
            for label in targets
        }
        for label in ("baseline", "syncd"):  # the floors' latency is not reported
            p, path = targets[label]
            paced = load(
                p,
                path,
                delivery,
                count=int(scale.webhook_paced_rate * scale.webhook_paced_seconds),
                concurrency=CONCURRENCY,
                rate=scale.webhook_paced_rate,
                id_prefix=f"p{label}",
            )
            results[label]["paced"] = _summary(paced)
        stored = world.peek.query(
            "SELECT count(*) FROM deliveries WHERE delivery_id LIKE 's%syncd-%'"
        )[0][0]
        world.settle(timeout=600)
    finally:
        for ref in refs:
            ref.terminate()
            ref.wait(10)
        world.stop()
    b, f, s = results["baseline"], results["floor"], results["syncd"]
    fb = results["floor_body"]
    accepted = sum(r["statuses"].get("202", 0) for r in s["rounds"])
    ratios = _ratios(s, b)
    rounds_note = (
        f"{CONCURRENCY} connections; median of {scale.webhook_rounds} rounds of "
        f"{scale.webhook_requests} deliveries, alternating between the servers"
    )
    rate_note = f"{rounds_note}; {accepted} answered 202, {stored} delivery ids persisted"
    paced_note = f"paced at {scale.webhook_paced_rate:.0f}/s, latency counted from when due"
    out += [
        Figure(
            "1",
            "webhook deliveries accepted (saturated)",
            s["saturated"]["rate"],
            "req/s",
            b["saturated"]["rate"],
            "",  # information: the vendors send far fewer (see the vendor-true figures)
            None,
            f"syncd / bare per round: {_listed(ratios)}; {rate_note}",
            extra=results,
        ),
        _cpu_figure(results),
        _reference(
            "floor: verify, parse, commit id (saturated)",
            (f, b),
            f"the least a durable answer takes, nothing of syncd; {rounds_note}",
        ),
        _reference(
            "floor with the raw body kept (saturated)",
            (fb, b),
            f"the floor, also writing each body to an inbox table; {rounds_note}",
        ),
        Figure(
            "1",
            "webhook answer p50 (saturated)",
            s["saturated"]["p50"],
            "ms",
            b["saturated"]["p50"],
            "",
            None,
            rate_note,
        ),
        Figure(
            "1",
            "webhook answer p99 (saturated)",
            s["saturated"]["p99"],
            "ms",
            b["saturated"]["p99"],
            "",
            None,
            rate_note,
        ),
        Figure(
            "1",
            f"webhook answer p50 at {scale.webhook_paced_rate:.0f}/s",
            s["paced"]["p50"],
            "ms",
            b["paced"]["p50"],
            "",
            None,
            paced_note,
        ),
        Figure(
            "1",
            f"webhook answer p99 at {scale.webhook_paced_rate:.0f}/s",
            s["paced"]["p99"],
            "ms",
            b["paced"]["p99"],
            "< 20 ms",
            verdict(s["paced"]["p99"], 20.0),
            paced_note,
        ),
    ]
