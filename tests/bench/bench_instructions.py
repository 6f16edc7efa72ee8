"""Figure 1, counted rather than timed: instructions per delivery on the webhook path.

On a shared two-core host the rates of figure 1 move by a tenth from one round to the next,
more than most changes to the path move them. Instructions executed do not move: callgrind
counts them for the same code, inputs and build the same on a busy host as on a quiet one.
So each receiver's own work (no HTTP server: ``tests.bench.direct`` hands it ASGI
messages) is run under ``valgrind --tool=callgrind`` and counted per delivery, syncd's
beside the floor that keeps the raw body (figure 1's reference for a receiver that loses
nothing) and the floor that keeps only the delivery id.

OpenSSL's SHA-256 is left out of every count: valgrind hides the CPU's SHA instructions,
so under it the HMAC takes its slow path, about 210,000 instructions a delivery of 7 KB
where the real one takes a few thousand. Every receiver verifies the same signature, so
leaving it out moves each count alike. Counts are of the interpreter and libraries as
installed; a new CPython or SQLite gives other numbers, to be compared within one run.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

from tests.bench.harness import Figure, Scale, python
from tests.bench.measure import ROOT

APPS = ("syncd", "floor_body", "floor")
TOOLS = ("valgrind", "callgrind_control", "callgrind_annotate")
_COST = re.compile(r"^\s*([\d,]+) \([ \d.]+%\)\s+(.*)$")


def available() -> bool:
    """Whether valgrind and its callgrind tools are on this machine."""
    return all(shutil.which(tool) for tool in TOOLS)


def per_object(annotated: str) -> Counter[str]:
    """Self cost per shared object (``[path]`` at a line's end) from ``callgrind_annotate``
    text; the program's total under ``"total"``."""
    costs: Counter[str] = Counter()
    for line in annotated.splitlines():
        m = _COST.match(line)
        if not m:
            continue
        n, what = int(m.group(1).replace(",", "")), m.group(2)
        if "PROGRAM TOTALS" in what:
            costs["total"] += n
            continue
        obj = what.rsplit("[", 1)[1].rstrip("]") if what.endswith("]") else "?"
        costs[Path(obj).name] += n
    return costs


def _instrument(pid: int, state: str) -> None:
    subprocess.run(["callgrind_control", "-i", state, str(pid)], check=True, capture_output=True)


def count(app: str, deliveries: int) -> tuple[float, float]:
    """(instructions per delivery without OpenSSL's, OpenSSL's per delivery) for ``app``."""
    out = Path(tempfile.mkdtemp(prefix="syncd-bench-cg-")) / "callgrind.out"
    cmd = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={out}",
        python(),
        "-m",
        "tests.bench.direct",
        app,
        str(deliveries),
    ]
    child = subprocess.Popen(
        cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        for line in child.stdout:
            if line.strip() == b"READY":
                break
        else:
            raise RuntimeError(f"{app} under callgrind exited before it was ready")
        _instrument(child.pid, "on")
        child.stdin.write(b"go\n")
        child.stdin.flush()
        if child.stdout.readline().strip() != b"COUNTED":
            raise RuntimeError(f"{app} under callgrind stopped before its deliveries were done")
        _instrument(child.pid, "off")
        child.stdin.write(b"end\n")
        child.stdin.close()
        if child.wait(900) != 0 or b"DONE" not in child.stdout.read():
            raise RuntimeError(f"{app} under callgrind failed ({child.returncode})")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    annotated = subprocess.run(
        ["callgrind_annotate", "--threshold=100", "--inclusive=no", str(out)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    costs = per_object(annotated)
    crypto = sum(n for obj, n in costs.items() if obj.startswith("libcrypto"))
    return (costs["total"] - crypto) / deliveries, crypto / deliveries


def run(scale: Scale, out: list[Figure]) -> None:
    """Count each receiver's instructions per delivery, syncd's beside the floors'."""
    name = "instructions per delivery, webhook path without HTTP (callgrind)"
    if not available():
        out.append(Figure("1", name, None, "k instr", note="no valgrind"))
        return
    n = scale.instruction_deliveries
    counts = {app: count(app, n) for app in APPS}
    syncd, body, floor = (counts[a][0] / 1000 for a in APPS)
    note = (
        f"syncd / floor with the body kept {syncd / body:.2f}; the floor keeping the id only "
        f"{floor:.0f}k; {n} deliveries after {n} to warm up, 8 in flight; OpenSSL's SHA-256 "
        f"left out ({counts['syncd'][1] / 1000:.0f}k a delivery under valgrind, the same for all)"
    )
    extra = {app: {"instructions": c[0], "openssl": c[1]} for app, c in counts.items()}
    out.append(Figure("1", name, syncd, "k instr", body, "", None, note, extra=extra))
