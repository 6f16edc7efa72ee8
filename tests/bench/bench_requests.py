"""Figure 4, polling only: API requests per synced change when no webhook arrives, and what
an idle poll cycle spends (requests, and GitHub rate-limit units, which conditional
requests answered 304 do not use).

The daemon runs in this process with its scheduled polls an hour apart; the benchmark calls
the poll cycles itself, so the counts cover an exact number of cycles.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from syncd.model import Ref
from syncd.testing.sandbox import Sandbox
from tests.bench import scenario
from tests.bench.harness import Figure, Scale, verdict


def _budget(sb: Sandbox) -> dict[str, int]:
    return {k: sum(s.emulator.control.budget.used.values()) for k, s in sb.sides.items()}


def _quiet_cycles(sb: Sandbox, most: int = 6) -> int:
    """Poll and drain until a poll brings nothing (the echoes of syncd's own writes come
    back once); return the cycles run."""
    assert sb.service is not None
    for n in range(1, most + 1):
        got = sb.service.poller.poll_all()
        sb.settle(timeout=120)
        if not got:
            return n
    return most


def run(scale: Scale, out: list[Figure]) -> None:
    """Changes brought in by polls alone, then one idle cycle."""
    taps: dict[str, scenario.Tap] = {}

    def wrap(kind: str, app: Any) -> Any:
        taps[kind] = scenario.Tap(app)
        return taps[kind]

    folder = Path(tempfile.mkdtemp(prefix="syncd-bench-poll-only-"))
    sb = Sandbox(
        folder=folder,
        webhooks=False,
        poll_interval=3600.0,
        wrap_app=wrap,
        build_kwargs=scenario.UNLIMITED,
    ).start()
    try:
        assert sb.service is not None
        links = max(2, scale.requests_changes // 5)
        tickets = [
            sb.helpdesk.create_ticket(f"Import hangs #{i}", "Hangs.", tags=["escalate"])
            for i in range(links)
        ]
        time.sleep(1.1)  # GitHub's since is whole seconds
        _quiet_cycles(sb)
        store = sb.service.store

        def issue(ticket: Ref) -> Ref | None:
            with store.tx() as tx:
                link = store.link_for_ticket(tx, str(ticket))
            return Ref.parse(link.issue_ref) if link else None

        pairs = [(t, sb.wait("linked", lambda t=t: issue(t))) for t in tickets]
        time.sleep(1.1)
        _quiet_cycles(sb)

        # idle: nothing changed anywhere since the last cycle
        before, spent = _counts(sb), _budget(sb)
        sb.service.poller.poll_all()
        idle = scenario.diff(_counts(sb), before)
        idle_units = {k: v - spent[k] for k, v in _budget(sb).items()}

        # changes seen by polling only
        time.sleep(1.1)
        world = scenario.World(sb, None, None, taps, pairs)  # type: ignore[arg-type]
        before = _counts(sb)
        made = [
            (f"tokpoll-{n}", scenario.change(world, n, f"tokpoll-{n}"), time.perf_counter())
            for n in range(scale.requests_changes)
        ]
        time.sleep(1.1)
        cycles = _quiet_cycles(sb)
        seen = scenario.arrivals(world, made, timeout=30)
        spent_changes = scenario.diff(_counts(sb), before)
    finally:
        sb.stop()
    n = scale.requests_changes
    lost = sum(1 for s in seen if s is None)
    note = (
        f"{n} comment changes, both directions, brought in by {cycles} poll cycles "
        f"(the last sees syncd's own writes come back and finds nothing to do)"
        + (f"; {lost} never arrived" if lost else "")
    )
    out += [
        Figure(
            "4",
            "writes per change (polling only)",
            spent_changes["writes"] / n,
            "req",
            1.0,
            "<= 1.05",
            verdict(spent_changes["writes"] / n, 1.05),
            note,
            extra=spent_changes,
        ),
        Figure(
            "4",
            "reads per change (polling only)",
            spent_changes["reads"] / n,
            "req",
            None,
            "",
            None,
            note,
        ),
        Figure(
            "4",
            "idle poll cycle: requests",
            float(idle["reads"] + idle["writes"]),
            "req",
            None,
            "",
            None,
            "GitHub: issues + comments (conditional); Zendesk: incremental tickets + events",
        ),
        Figure(
            "4",
            "idle poll cycle: GitHub rate units",
            float(idle_units.get("github", 0)),
            "units",
            0.0,
            "0",
            idle_units.get("github", 0) == 0,
            f"all emulators' budgets: {idle_units}",
        ),
    ]


def _counts(sb: Sandbox) -> dict[str, Counter[str]]:
    return {k: Counter(s.emulator.control.requests) for k, s in sb.sides.items()}
