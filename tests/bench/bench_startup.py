"""Figure 6: ``syncd run`` from the process start to ``/readyz`` answering 200, on a fresh
SQLite store (migrations included) and on an existing one. Ready means the store answers and
every connector's check passed against the emulators."""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import yaml

from syncd.testing.sandbox import Sandbox
from tests.bench.daemon import Daemon
from tests.bench.harness import Figure, Scale, python, verdict
from tests.bench.measure import ROOT


def bare_interpreter() -> float:
    """Seconds for ``python -c pass``: the floor under any start-up."""
    began = time.perf_counter()
    subprocess.run([python(), "-c", "pass"], check=True)
    return time.perf_counter() - began


def run(scale: Scale, out: list[Figure]) -> None:
    """Start the daemon ``startup_runs`` times on fresh stores, as often on a warm one."""
    folder = Path(tempfile.mkdtemp(prefix="syncd-bench-start-"))
    sb = Sandbox(folder=folder, webhooks=True, poll_interval=3600.0)
    conf = sb.start_emulators()
    fresh: list[float] = []
    warm: list[float] = []
    try:
        for n in range(scale.startup_runs):
            conf["store"] = {"url": f"sqlite:///{folder / f'start-{n}.db'}"}
            path = folder / f"syncd-{n}.yaml"
            path.write_text(yaml.safe_dump(conf, sort_keys=False))
            daemon = Daemon(path, f"http://127.0.0.1:{sb.port}", ROOT / ".bench" / "daemon.log")
            try:
                fresh.append(daemon.start())
            finally:
                daemon.stop()
            try:
                warm.append(daemon.start())
            finally:
                daemon.stop()
    finally:
        sb.stop()
    floor = bare_interpreter()
    note = f"median of {len(fresh)}; python -c pass takes {floor * 1000:.0f} ms here"
    out.append(
        Figure(
            "6",
            "start-up to ready, fresh store",
            statistics.median(fresh),
            "s",
            None,
            "< 2 s",
            verdict(statistics.median(fresh), 2.0),
            note,
            extra={"fresh": fresh, "warm": warm, "python": floor},
        )
    )
    out.append(
        Figure(
            "6",
            "start-up to ready, existing store",
            statistics.median(warm),
            "s",
            None,
            "< 2 s",
            verdict(statistics.median(warm), 2.0),
            note,
        )
    )
