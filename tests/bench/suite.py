"""The benchmarks in table order, and the log set-up they share."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from typing import IO

import structlog

from syncd import logs
from tests.bench.harness import Figure, Scale
from tests.bench.measure import ROOT

# figure number -> modules with run(scale, out)
BENCHMARKS = {
    "1": ("tests.bench.bench_webhooks", "tests.bench.bench_instructions"),
    "2": ("tests.bench.bench_latency",),
    "3": ("tests.bench.bench_drain",),
    "4": ("tests.bench.bench_requests",),
    "5": ("tests.bench.bench_poll",),
    "6": ("tests.bench.bench_startup",),
    "7": ("tests.bench.bench_soak",),
    "8": ("tests.bench.bench_vendor",),  # figures 8-11: the vendors' limits and latency
    # replicas on PostgreSQL: polls, takeover, throughput against vendor latency
    "12": ("tests.bench.bench_replicas", "tests.bench.bench_replica_throughput"),
}
_log_file: IO[str] | None = None


def quiet_logs() -> None:
    """Log as the service does (JSON lines, info), but into ``.bench/daemon.log``: the cost
    of logging stays in the figures, the terminal stays readable."""
    global _log_file
    logs.configure("json", "info")
    if _log_file is None:
        (ROOT / ".bench").mkdir(exist_ok=True)
        _log_file = (ROOT / ".bench" / "daemon.log").open("w")
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=_log_file))


def run_all(
    scale: Scale, only: set[str] | None = None, progress: Callable[[str], None] | None = None
) -> list[Figure]:
    """Run every benchmark (or those in ``only``) and return their figures."""
    figures: list[Figure] = []
    for number, modules in BENCHMARKS.items():
        if only and number not in only:
            continue
        began = time.perf_counter()
        for module in modules:
            importlib.import_module(module).run(scale, figures)
        if progress:
            progress(f"figure {number} done in {time.perf_counter() - began:.1f} s")
    return figures
