"""The benchmark harness at a tiny size, so it cannot rot. Figures are not judged here:
speed targets live in the benchmarks, never in the test suite's pass or fail."""

from __future__ import annotations

import json
from pathlib import Path

from tests.bench import bench_instructions, bench_replica_throughput, suite
from tests.bench.harness import TINY, markdown, write_json


def test_harness_runs_every_figure(tmp_path: Path) -> None:
    suite.quiet_logs()
    # figure 3 (drain) is left out: the others cover its machinery (daemon process, taps,
    # poll child, readiness), and figure 1 its reference servers and load generator
    figures = suite.run_all(TINY, {"1", "2", "4", "5", "6", "7"})
    numbers = {f.number for f in figures}
    assert numbers == {"1", "2", "4", "5", "6", "7"}
    proc = Path("/proc/self/task").exists()
    valgrind = bench_instructions.available()
    for f in figures:
        if f.value is None and not proc:  # what only /proc can tell, elsewhere
            assert f.note == "no /proc", f
            continue
        if f.value is None and not valgrind:  # the instruction counts
            assert f.note == "no valgrind", f
            continue
        assert f.value is not None and f.value >= 0, f
    # instructions per delivery without HTTP, syncd's beside the floor's, where valgrind is
    (counted,) = [f for f in figures if f.name.startswith("instructions per delivery")]
    assert not valgrind or (counted.baseline and "floor keeping the id only" in counted.note)
    # the event loop's CPU per delivery, for syncd and the bare app
    (cpu,) = [f for f in figures if f.name == "event-loop CPU per delivery (saturated)"]
    assert not proc or (cpu.value and cpu.baseline and "bare / syncd per round" in cpu.note), cpu
    # the daemon's CPU per change in figure 2
    (per_change,) = [f for f in figures if f.name == "daemon CPU per change at 20/s"]
    assert not proc or (per_change.value and "of one core" in per_change.note), per_change
    # the daemon under `syncd run` times its collections (syncd_gc_pause_seconds)
    (collected,) = [f for f in figures if f.name == "soak: time collecting garbage"]
    assert collected.value and "generation 0: none" not in collected.note, collected
    out = tmp_path / "results.json"
    write_json(out, TINY, figures, 1.0)
    doc = json.loads(out.read_text())
    assert doc["machine"]["cores"] and len(doc["figures"]) == len(figures)
    assert markdown(figures).count("\n") == len(figures) + 1


def test_replica_throughput_runs_at_a_tiny_size(pg_url: str) -> None:
    """Figure 12's throughput run with two replicas (it makes its own database; ``pg_url``
    skips it without PostgreSQL): set-up, the restart with budgets on, the burst. Below
    Zendesk's first window every change arrives and nothing is refused."""
    suite.quiet_logs()
    m = bench_replica_throughput.measure(2, TINY)
    assert m["arrived"] == m["burst"] == TINY.replica_burst
    assert m["refused"] == {} and m["errors"] == 0
    assert m["zendesk_requests"] >= m["burst"]
    assert 0 < m["first_seconds"] <= m["all_seconds"]
