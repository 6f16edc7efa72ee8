"""Figure 7, beyond the issue's table: a soak. Changes paced through webhooks for minutes,
both directions, as in figure 2 but long enough for slow trouble to show: whether anything
drifts (latency, window by window), grows (the daemon's resident memory, SQLite's WAL
file, the inbox) or is lost (every copy arrives, the queues end empty, no dead letters).

A sampler thread reads the daemon's ``VmRSS`` from ``/proc``, the WAL file's size and the
inbox depth (read-only) every half second while the changes are made. The daemon's own
``syncd_gc_pause_seconds``, read before and after, tells how long it collected garbage.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.bench import scenario
from tests.bench.harness import Figure, Scale, vendors_uncollected, verdict
from tests.bench.measure import percentile, status_mib

WAL_BOUND_MIB = 64.0  # the store's journal_size_limit: what the WAL is cut back to
RSS_GROWTH_MIB = 25.0  # growth over the soak that would say something keeps what it should not


def rss_mib(pid: int) -> float:
    """Resident memory of process ``pid`` now, in MiB (0.0 where /proc cannot tell)."""
    return status_mib("VmRSS", pid) or 0.0


class Sampler:
    """Largest WAL file, largest inbox and last RSS seen, sampled in a thread."""

    def __init__(self, world: scenario.World, every: float = 0.5) -> None:
        self.world = world
        self.every = every
        url = world.peek.url
        self.wal = Path(url.split("sqlite:///", 1)[1] + "-wal") if world.peek.sqlite else None
        self.pid = world.daemon.proc.pid if world.daemon.proc else 0
        self.wal_mib = 0.0
        self.inbox = 0
        self.rss = rss_mib(self.pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="soak-sampler", daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def sample(self) -> None:
        if self.wal is not None and self.wal.exists():
            self.wal_mib = max(self.wal_mib, self.wal.stat().st_size / 2**20)
        self.inbox = max(self.inbox, self.world.peek.depth()["inbox"])
        self.rss = rss_mib(self.pid) or self.rss

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.sample()


Pauses = dict[str, dict[str, float]]  # generation -> {"count", "sum", le bound -> count}


def gc_pauses(url: str) -> Pauses:
    """The daemon's ``syncd_gc_pause_seconds`` as it stands, by generation."""
    out: Pauses = {}
    for family in text_string_to_metric_families(httpx.get(f"{url}/metrics").text):
        if family.name != "syncd_gc_pause_seconds":
            continue
        for sample in family.samples:
            gen = out.setdefault(sample.labels["generation"], {})
            if sample.name.endswith("_bucket"):
                gen[sample.labels["le"]] = sample.value
            elif sample.name.endswith(("_count", "_sum")):
                gen[sample.name.rsplit("_", 1)[1]] = sample.value
    return out


def gc_note(before: Pauses, after: Pauses) -> tuple[float, str]:
    """Milliseconds collecting garbage between the two readings, and a line per generation:
    how many collections and the bucket the longest of them fell in."""
    total, parts = 0.0, []
    for gen, now in sorted(after.items()):
        was = before.get(gen, {})
        n = int(now.get("count", 0) - was.get("count", 0))
        ms = (now.get("sum", 0.0) - was.get("sum", 0.0)) * 1000.0
        total += ms
        if not n:
            parts.append(f"generation {gen}: none")
            continue
        bounds = sorted((float(k), k) for k in now if k not in ("count", "sum"))
        longest = next((k for _, k in bounds if now[k] - was.get(k, 0.0) >= n), "+Inf")
        parts.append(f"generation {gen}: {n} in {ms:.0f} ms, each <= {longest} s")
    return total, "; ".join(parts)


def _named(tokens: list[str]) -> str:
    return f" ({', '.join(tokens[:5])}{', ...' if len(tokens) > 5 else ''})" if tokens else ""


def windows(seen: list[float | None], n: int) -> list[float]:
    """The p99 (ms) of each of ``n`` consecutive windows of changes, in order."""
    size = max(1, len(seen) // n)
    out = []
    for start in range(0, size * n, size):
        ms = [s * 1000.0 for s in seen[start : start + size] if s is not None]
        out.append(percentile(ms, 99))
    return out


def run(scale: Scale, out: list[Figure]) -> None:
    """Pace ``soak_rate`` changes a second for ``soak_seconds``; watch what grows."""
    folder = Path(tempfile.mkdtemp(prefix="syncd-bench-soak-"))
    world = scenario.start(folder, webhooks=True, links=scale.e2e_links)
    try:
        world.settle()
        gc_before = gc_pauses(world.daemon.url)
        count = max(2, int(scale.soak_rate * scale.soak_seconds))
        with Sampler(world) as sampler:
            start_rss = sampler.rss
            with vendors_uncollected():
                made = scenario.paced(world, scale.soak_rate, count, "soak")
                times = scenario.timings(world, made)
            world.settle(timeout=600)
        depth = world.peek.depth()
        # a copy that never arrived: was its webhook delivered at all?
        seen = [t.end_to_end if t is not None else None for t in times]
        missing = [token for (token, _, _), at in zip(made, seen, strict=True) if at is None]
        unanswered = scenario.undelivered(world)
        gc_ms, gc_line = gc_note(gc_before, gc_pauses(world.daemon.url))
    finally:
        world.stop()
    lost = sum(1 for s in seen if s is None)
    p99s = windows(seen, scale.soak_windows)
    strict = windows(
        [t.made_to_answered if t is not None else None for t in times], scale.soak_windows
    )
    grown = sampler.rss - start_rss
    note = f"{count} changes at {scale.soak_rate:.0f}/s over {len(world.pairs)} links"
    out += [
        Figure(
            "7",
            "soak: copies arrived",
            float(count - lost),
            "changes",
            float(count),
            "all; queues empty; no dead letters",
            lost == 0 and depth["inbox"] == depth["outbox"] == depth["dead"] == 0,
            f"{note}; {lost} never arrived{_named(missing)}; webhooks not answered 2xx: "
            f"{unanswered or 'none'}; at the end {depth}",
        ),
        Figure(
            "7",
            "soak: worst window p99",
            max(p99s),
            "ms",
            p99s[0],
            "< 100 ms",
            verdict(max(p99s), 100.0),
            f"{note}; webhook leaving to write reaching the other emulator, as figure 2; "
            f"p99 of each of {len(p99s)} windows: "
            + ", ".join(f"{p:.0f}" for p in p99s)
            + "; change made to write answered: "
            + ", ".join(f"{p:.0f}" for p in strict)
            + "; baseline: the first window",
            extra={"window_p99_ms": p99s},
        ),
        Figure(
            "7",
            "soak: daemon RSS growth",
            grown,
            "MiB",
            start_rss,
            f"< {RSS_GROWTH_MIB:.0f} MiB",
            verdict(grown, RSS_GROWTH_MIB),
            f"{note}; baseline: RSS before the first change; {sampler.rss:.0f} MiB at the end",
        ),
        Figure(
            "7",
            "soak: largest WAL file",
            sampler.wal_mib,
            "MiB",
            None,
            f"<= {WAL_BOUND_MIB:.0f} MiB",
            verdict(sampler.wal_mib, WAL_BOUND_MIB),
            f"{note}; sampled every 0.5 s; largest inbox seen: {sampler.inbox} rows",
        ),
        Figure(
            "7",
            "soak: time collecting garbage",
            gc_ms,
            "ms",
            None,
            "",
            None,
            f"{note}; the daemon's syncd_gc_pause_seconds over the soak: {gc_line}",
        ),
    ]
