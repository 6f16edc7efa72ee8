"""What every benchmark shares: sizes, figures, the table and the JSON (what it measures with:
``tests/bench/measure.py``).

A benchmark is a function ``run(scale, out)`` that appends :class:`Figure` rows to ``out``.
Each figure carries the baseline measured in the same run (when the issue names one) and the
target it is held to; ``met`` is informational, the benchmarks never fail a build.
"""

from __future__ import annotations

import contextlib
import gc
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tests.bench.measure import machine


@dataclass(frozen=True)
class Scale:
    """How big each benchmark runs; ``full`` is what BENCHMARKS.md reports."""

    name: str
    webhook_requests: int  # deliveries per saturation run
    webhook_rounds: int  # saturation runs per server, alternating between the servers
    webhook_paced_rate: float  # deliveries per second for the latency run
    webhook_paced_seconds: float
    instruction_deliveries: int  # counted under callgrind, after as many to warm up
    e2e_rates: tuple[float, ...]
    e2e_seconds: float
    e2e_links: int
    drain_backlog: int
    drain_links: int
    drain_postgres: bool
    poll_links: tuple[int, ...]
    poll_changes: int
    poll_cycles: int  # the first of them warms up
    requests_changes: int
    startup_runs: int
    soak_rate: float  # changes per second, paced, for figure 7
    soak_seconds: float
    soak_windows: int  # latency is judged window by window
    # figures 8-11, against the vendors' limits and latency
    fan_out_tickets: int
    surge_escalations: int
    surge_seconds: float
    storm_comments: int
    storm_seconds: float
    steady_rate: float
    steady_seconds: float
    steady_links: int
    # figure 12's throughput: developer comments made at once on as many linked pairs
    replica_burst: int
    replica_pairs: int


FULL = Scale(
    name="full",
    webhook_requests=6000,
    webhook_rounds=3,
    webhook_paced_rate=100.0,
    webhook_paced_seconds=10.0,
    instruction_deliveries=1000,
    e2e_rates=(20.0, 100.0),
    e2e_seconds=10.0,
    e2e_links=50,
    drain_backlog=10_000,
    drain_links=100,
    drain_postgres=True,
    poll_links=(100, 10_000, 100_000),
    poll_changes=10,
    poll_cycles=4,
    requests_changes=50,
    startup_runs=3,
    soak_rate=100.0,
    soak_seconds=180.0,
    soak_windows=6,
    fan_out_tickets=300,
    surge_escalations=200,
    surge_seconds=10.0,
    storm_comments=50,
    storm_seconds=60.0,
    steady_rate=5.0,
    steady_seconds=180.0,
    steady_links=20,
    replica_burst=200,
    replica_pairs=40,
)

TINY = Scale(
    name="tiny",
    webhook_requests=150,
    webhook_rounds=2,
    webhook_paced_rate=50.0,
    webhook_paced_seconds=1.0,
    instruction_deliveries=40,
    e2e_rates=(20.0,),
    e2e_seconds=1.0,
    e2e_links=4,
    drain_backlog=100,
    drain_links=5,
    drain_postgres=False,
    poll_links=(50,),
    poll_changes=2,
    poll_cycles=2,
    requests_changes=4,
    startup_runs=1,
    soak_rate=20.0,
    soak_seconds=2.0,
    soak_windows=2,
    fan_out_tickets=30,
    surge_escalations=20,
    surge_seconds=2.0,
    storm_comments=20,
    storm_seconds=5.0,
    steady_rate=5.0,
    steady_seconds=10.0,
    steady_links=5,
    replica_burst=30,
    replica_pairs=10,
)

SCALES = {"full": FULL, "tiny": TINY}


@dataclass
class Figure:
    """One row of the table."""

    number: str  # the row: "1", "2", ...
    name: str
    value: float | None
    unit: str
    baseline: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@contextlib.contextmanager
def vendors_uncollected() -> Iterator[None]:
    """No garbage collection in this process while syncd's latency is timed.

    The emulators, the vendors' side, live in the benchmark's process. A full collection
    there took 80-135 ms once a soak had made thousands of comments, and held up webhooks
    leaving and syncd's writes being answered: a stall of the vendor, counted as syncd's.
    What is alive now is frozen and collection is off until the block ends; the daemon,
    in its own process, collects as it always does, and that stays in the figures."""
    gc.collect()
    gc.freeze()
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.unfreeze()


def verdict(value: float | None, limit: float, *, below: bool = True) -> bool | None:
    """Whether ``value`` meets a limit (``below``: at most; else at least)."""
    if value is None:
        return None
    return value <= limit if below else value >= limit


def write_json(path: Path, scale: Scale, figures: list[Figure], seconds: float) -> None:
    """The run as JSON: machine, scale, every figure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "scale": scale.name,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - seconds)),
        "seconds": round(seconds, 1),
        "machine": machine(),
        "figures": [asdict(f) for f in figures],
    }
    path.write_text(json.dumps(doc, indent=2, default=str) + "\n")


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(figures: list[Figure]) -> Any:
    """A rich table of the figures."""
    from rich.table import Table

    t = Table(title="syncd benchmarks", show_lines=False)
    for col in ("#", "figure", "value", "unit", "baseline", "target", "met"):
        t.add_column(col, justify="right" if col in ("value", "baseline") else "left")
    for f in figures:
        met = {True: "[green]yes[/]", False: "[red]no[/]", None: ""}[f.met]
        t.add_row(f.number, f.name, _fmt(f.value), f.unit, _fmt(f.baseline), f.target, met)
    return t


def markdown(figures: list[Figure]) -> str:
    """The same table in Markdown, for BENCHMARKS.md."""
    lines = [
        "| # | figure | value | unit | baseline | target | met |",
        "| --- | --- | ---: | --- | ---: | --- | --- |",
    ]
    for f in figures:
        met = {True: "yes", False: "**no**", None: ""}[f.met]
        lines.append(
            f"| {f.number} | {f.name} | {_fmt(f.value)} | {f.unit} | {_fmt(f.baseline)} "
            f"| {f.target} | {met} |"
        )
    return "\n".join(lines)


def python() -> str:
    """The interpreter the benchmarks run under (subprocesses use the same)."""
    return sys.executable
