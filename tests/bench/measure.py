"""What a benchmark measures with: percentiles, a process's memory and CPU time, a stopwatch,
and the machine the figures ran on."""

from __future__ import annotations

import os
import platform
import resource
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (0-100) by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100.0 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def status_mib(key: str, pid: int | str = "self") -> float | None:
    """A memory line of ``/proc/PID/status`` (``VmRSS``, ``VmHWM``) in MiB; None where
    /proc cannot tell."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def thread_cpu(pid: int, tid: int | None = None) -> float | None:
    """CPU seconds (user and system) one thread of process ``pid`` has used, by default its
    main thread, which runs the event loop in every server figure 1 measures; None where
    /proc cannot tell."""
    return _stat_cpu(Path(f"/proc/{pid}/task/{tid or pid}/stat"))


def process_cpu(pid: int) -> float | None:
    """CPU seconds (user and system) all threads of process ``pid`` have used; None where
    /proc cannot tell."""
    return _stat_cpu(Path(f"/proc/{pid}/stat"))


def _stat_cpu(path: Path) -> float | None:
    try:
        stat = path.read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb() -> float:
    """Resident memory of this process now, in MiB (from /proc; peak RSS where absent)."""
    now = status_mib("VmRSS")
    return peak_rss_mb() if now is None else now


def peak_rss_mb() -> float:
    """Highest resident memory of this process so far, in MiB (VmHWM: getrusage's figure
    would carry the parent's peak across fork and exec)."""
    peak = status_mib("VmHWM")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0 if peak is None else peak


class Clock:
    """``with Clock() as c: ...; c.seconds``."""

    def __enter__(self) -> Clock:
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def machine() -> dict[str, Any]:
    """What the figures ran on."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = 0.0
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        mem_gib = round(pages / 2**30, 1)
    except (ValueError, OSError):
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": mem_gib,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "commit": commit,
    }
