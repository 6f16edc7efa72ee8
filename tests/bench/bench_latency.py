"""Figure 2: end-to-end latency at a steady 20 and 100 changes per second, as the issue puts
it: from the webhook leaving one emulator for syncd to syncd's write reaching the other.
Beside it, the same changes timed from when they were made to when the other emulator had
answered the write: that also counts the emulators' own queueing, in this process, which
syncd does not do (see :mod:`tests.bench.scenario`). The same runs give figure 4's requests
per change with webhooks (from the emulators' counters).

Beside the latency, the CPU the daemon's process spent per change (all its threads, from
/proc): on a shared host latency moves with whatever else runs, the CPU a change costs much
less, and at a steady rate the daemon keeps up only while that cost times the rate stays
well under one core (its Python threads share one interpreter lock)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.bench import scenario
from tests.bench.harness import Figure, Scale, vendors_uncollected, verdict
from tests.bench.measure import percentile, process_cpu


def run(scale: Scale, out: list[Figure]) -> None:
    """Pace changes through a sandbox with webhooks; time each copy's write."""
    folder = Path(tempfile.mkdtemp(prefix="syncd-bench-e2e-"))
    world = scenario.start(folder, webhooks=True, links=scale.e2e_links)
    try:
        total = {"reads": 0, "writes": 0, "changes": 0}
        assert world.daemon.proc is not None
        pid = world.daemon.proc.pid
        for rate in scale.e2e_rates:
            count = max(2, int(rate * scale.e2e_seconds))
            before = world.requests()
            cpu_before = process_cpu(pid)
            with vendors_uncollected():
                made = scenario.paced(world, rate, count, f"r{int(rate)}")
                times = scenario.timings(world, made)
            world.settle()
            cpu_after = process_cpu(pid)
            spent = scenario.diff(world.requests(), before)
            for k in ("reads", "writes"):
                total[k] += spent[k]
            total["changes"] += count
            e2e = [t.end_to_end for t in times if t is not None]
            ms = [s * 1000.0 for s in e2e if s is not None]
            lost = count - len(ms)
            note = (
                f"{count} changes over {len(world.pairs)} links, both directions; webhook "
                f"leaving the emulator to the write reaching the other"
            )
            if lost:
                note += f"; {lost} never arrived"
            p50, p99 = percentile(ms, 50), percentile(ms, 99)
            out.append(
                Figure(
                    "2",
                    f"end-to-end p50 at {rate:.0f}/s",
                    p50,
                    "ms",
                    None,
                    "< 25 ms",
                    verdict(p50, 25.0) if not lost else False,
                    note,
                    extra={"max_ms": max(ms, default=0.0), "requests": spent},
                )
            )
            out.append(
                Figure(
                    "2",
                    f"end-to-end p99 at {rate:.0f}/s",
                    p99,
                    "ms",
                    None,
                    "< 100 ms",
                    verdict(p99, 100.0) if not lost else False,
                    note,
                )
            )
            out.append(_made_to_answered(rate, times))
            out.append(_cpu(rate, count, cpu_before, cpu_after))
    finally:
        world.stop()
    n = max(1, total["changes"])
    note = f"{total['changes']} comment changes with webhooks, both directions"
    out.append(
        Figure(
            "4",
            "writes per change (webhooks)",
            total["writes"] / n,
            "req",
            1.0,
            "<= 1.05",
            verdict(total["writes"] / n, 1.05),
            note,
        )
    )
    out.append(
        Figure(
            "4",
            "reads per change (webhooks)",
            total["reads"] / n,
            "req",
            0.0,
            "<= 0.1",
            verdict(total["reads"] / n, 0.1),
            note,
        )
    )


def _made_to_answered(rate: float, times: list[scenario.Timing | None]) -> Figure:
    """The stricter clock: change made to write answered, p50 with the p99 in the note."""
    ms = [t.made_to_answered * 1000.0 for t in times if t is not None]
    left = [(t.left - t.made) * 1000.0 for t in times if t is not None and t.left is not None]
    p50, p99 = percentile(ms, 50), percentile(ms, 99)
    note = (
        f"p99 {p99:.1f} ms; the emulators' own queueing included: a webhook left "
        f"{percentile(left, 50):.1f} ms (p50) and {percentile(left, 99):.1f} ms (p99) after "
        f"its change was made"
    )
    name = f"change made to write answered, p50 at {rate:.0f}/s"
    return Figure("2", name, p50, "ms", None, "", None, note, extra={"p99_ms": p99})


def _cpu(rate: float, count: int, before: float | None, after: float | None) -> Figure:
    """The daemon's CPU per change at ``rate``: every thread, while the changes went through
    and the queues emptied (idle wakes included)."""
    name = f"daemon CPU per change at {rate:.0f}/s"
    if before is None or after is None:
        return Figure("2", name, None, "ms", note="no /proc")
    per = (after - before) * 1000.0 / count
    note = (
        f"all of the daemon's threads, from /proc: {per * rate / 10:.0f}% of one core at "
        f"this rate; the changes of one round and their echoes"
    )
    return Figure("2", name, per, "ms", None, "", None, note)
