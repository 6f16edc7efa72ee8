"""Figure 5: one poll cycle with a few changes while the store holds 100, 10,000 and 100,000
links: requests, time and resident memory, each size in a fresh process (``poll_child``).

The emulators run here and hold only the pairs that change; the other links exist only in
the store, as most links of a real installation sit idle. Each size runs one warm-up cycle
(it brings the changed pairs' shadows up to date) and then the measured ones (three at full
scale); the time is their median.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from syncd.model import Ref
from syncd.testing.sandbox import Sandbox
from tests.bench import scenario
from tests.bench.harness import Figure, Scale, python, verdict
from tests.bench.measure import ROOT


def one_size(scale: Scale, links: int) -> dict[str, Any]:
    """Run the child for one store size; return its cycles and the requests they cost."""
    folder = Path(tempfile.mkdtemp(prefix=f"syncd-bench-poll-{links}-"))
    sb = Sandbox(
        folder=folder, webhooks=False, poll_interval=3600.0, build_kwargs=scenario.UNLIMITED
    )
    conf = sb.start_emulators()
    try:
        zd, gh = sb.sides["zendesk"], sb.sides["github"]
        real: list[tuple[str, str]] = []
        for i in range(scale.poll_changes):
            ticket = sb.helpdesk.create_ticket(f"Sync check {i}", "x", tags=["support"])
            number = gh.emulator.create_issue_as(gh.actor.login, sb.project, f"Sync check {i}")
            real.append((str(ticket), str(Ref.issue("github", f"{sb.project}#{number}"))))
        path = folder / "syncd.yaml"
        path.write_text(yaml.safe_dump(conf, sort_keys=False))
        spec = {"config": str(path), "links": links, "real": real, "cycles": scale.poll_cycles}
        log = (ROOT / ".bench" / "daemon.log").open("ab")
        child = subprocess.Popen(
            [python(), "-m", "tests.bench.poll_child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write(json.dumps(spec) + "\n")
        child.stdin.flush()
        world = scenario.World(sb, None, None, {}, [(Ref.parse(t), Ref.parse(i)) for t, i in real])  # type: ignore[arg-type]
        cycles = []
        for n in range(scale.poll_cycles):
            msg = json.loads(child.stdout.readline())
            assert msg == {"ready": n}, msg
            time.sleep(1.1)  # GitHub's since is whole seconds
            for k, (_, issue) in enumerate(world.pairs):
                world.sb.tracker.comment(issue, f"Cycle {n} change {k}.")
            time.sleep(1.1)
            before = {k: Counter(s.emulator.control.requests) for k, s in sb.sides.items()}
            child.stdin.write("go\n")
            child.stdin.flush()
            result = json.loads(child.stdout.readline())
            after = {k: Counter(s.emulator.control.requests) for k, s in sb.sides.items()}
            result["requests"] = scenario.diff(after, before)
            result["by_endpoint"] = {
                f"{k}: {e}": n - before[k][e]
                for k, c in after.items()
                for e, n in c.items()
                if n - before[k][e]
            }
            cycles.append(result)
        child.stdin.close()
        child.wait(60)
        log.close()
        del zd
    finally:
        sb.stop()
    return {"links": links, "cycles": cycles}


def run(scale: Scale, out: list[Figure]) -> None:
    """Every size, then the comparison with the smallest."""
    sizes = [one_size(scale, n) for n in scale.poll_links]
    rows = []
    for size in sizes:
        measured = size["cycles"][1:]
        rows.append(
            {
                "links": size["links"],
                "seconds": statistics.median(c["seconds"] for c in measured),
                "requests": statistics.median(
                    c["requests"]["reads"] + c["requests"]["writes"] for c in measured
                ),
                "rss_mb": max(c["rss_mb"] for c in measured),
                "peak_rss_mb": max(c["peak_rss_mb"] for c in measured),
                "fill_seconds": measured[0]["fill_seconds"],
                "cycles": size["cycles"],
            }
        )
    base = rows[0]
    for row in rows:
        n = row["links"]
        last = row is rows[-1]
        note = (
            f"{scale.poll_changes} comments per cycle; store filled in {row['fill_seconds']:.1f} s"
        )
        out.append(
            Figure(
                "5",
                f"poll cycle requests, {n:,} links",
                row["requests"],
                "req",
                base["requests"],
                "= baseline",
                row["requests"] == base["requests"],
                note,
                extra=row,
            )
        )
        out.append(
            Figure(
                "5",
                f"poll cycle time, {n:,} links",
                row["seconds"] * 1000.0,
                "ms",
                base["seconds"] * 1000.0,
                "<= 1.5 x baseline" if last else "",
                verdict(row["seconds"], 1.5 * base["seconds"]) if last else None,
                note,
            )
        )
        out.append(
            Figure(
                "5",
                f"resident memory, {n:,} links",
                row["rss_mb"],
                "MiB",
                base["rss_mb"],
                "< 150 MiB" if last else "",
                verdict(row["rss_mb"], 150.0) if last else None,
                f"peak {row['peak_rss_mb']:.0f} MiB (bulk fill included)",
            )
        )
