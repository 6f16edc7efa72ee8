"""Figures 8-11: syncd against the vendors' limits and latency, each against its floor.

The floor is what the vendors allow: the requests needed divided by the rate their limits
allow (a first window's worth goes at once), or one round trip of the emulated latency
(p50 150 ms). Each figure prints ``measured / floor``.

8. fan-out: an issue linked to N tickets is closed as completed; time until every ticket is
   solved and its customer told (Zendesk: Update Ticket 100 a minute), requests, 429s;
9. surge: N escalations in a span; time until every issue exists (GitHub: 80
   content-creating requests a minute), secondary-limit answers;
10. storm: N developer comments on one issue; time until all reach the ticket (Zendesk: 30
   updates of one ticket in ten minutes), and none lost;
11. steady: changes at a pace, end-to-end p50 and p99, requests per synced change, with the
   runner's lanes at 4 (the default) and at 1, to show whether lanes hide the latency; and
   at the pace the vendors' write limits sustain (:data:`SUSTAINED`), lanes 4.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from syncd.emulator_kit import VENDOR_LATENCY
from syncd.model import IssueStatus, Ref
from tests.bench import scenario
from tests.bench.harness import Figure, Scale, verdict
from tests.bench.measure import percentile
from tests.bench.vendor import VendorWorld, floor_of, wait_for

RTT = VENDOR_LATENCY.p50  # one vendor round trip at the median


def _ratio(measured: float, floor: float) -> str:
    return f"measured / floor = {measured:.1f} / {floor:.1f} s = {measured / floor:.2f}"


def fan_out(scale: Scale, out: list[Figure]) -> None:
    n = scale.fan_out_tickets
    world = VendorWorld.start(poll=1.0)
    try:
        (first,) = world.escalate(1)
        issue = world.sb.wait("issue", lambda: world.issue_of(first), 120)
        url = world.sb.tracker.issue(issue).url
        joined = world.escalate(n - 1, link=url)
        tickets = [first, *joined]
        world.sb.wait("all linked", lambda: all(world.issue_of(t) for t in joined), 600)
        world.sb.settle(timeout=600)
        world.limit()
        before = world.requests()
        world.sb.tracker.set_status(issue, IssueStatus.DONE)
        took = wait_for("every ticket solved", lambda: world.solved(tickets) == n, 3600)
        world.sb.settle(timeout=600)
        counts = scenario.diff(world.requests(), before)
        refused = world.refused()
    finally:
        world.stop()
    floor = floor_of(n, 100, 60.0, RTT)  # one update a ticket under Update Ticket's limit
    # update_many: ceil(n/100) jobs side by side (well within 700 requests a minute), each
    # a request and at least one look at the job: two round trips
    batch_floor = 2 * RTT
    per_ticket = (counts["reads"] + counts["writes"]) / n
    out.append(
        Figure(
            "8",
            f"fan-out: {n} tickets solved and told",
            took,
            "s",
            baseline=floor,
            target="≤ 1.2x floor",
            met=verdict(took, 1.2 * floor),
            note=f"{_ratio(took, floor)}; against update_many's two round trips "
            f"{took / batch_floor:.1f}x; requests {counts}, {counts['writes'] / n:.2f} "
            f"writes and {per_ticket:.2f} requests per ticket; "
            f"refused {dict(refused) or 'none'}",
            extra={"batch_floor_s": batch_floor, "requests_per_ticket": per_ticket},
        )
    )


def surge(scale: Scale, out: list[Figure]) -> None:
    n, span = scale.surge_escalations, scale.surge_seconds
    world = VendorWorld.start()
    try:
        world.limit()
        before = world.requests()
        began = time.perf_counter()
        tickets = []
        for i in range(n):
            delay = began + i * span / n - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            tickets += world.escalate(1)
        world.sb.wait("every issue", lambda: all(world.issue_of(t) for t in tickets), 3600)
        took = time.perf_counter() - began
        github = world.requests()["github"]  # what was written until every issue existed
        github.subtract(before["github"])
        world.sb.settle(timeout=600)
        refused = world.refused()
    finally:
        world.stop()
    writes = {k: v for k, v in github.items() if v and not k.startswith("GET")}
    floor = max(span + RTT, floor_of(n, 80, 60.0, RTT))
    secondary = sum(v for k, v in refused.items() if k.startswith("github"))
    out.append(
        Figure(
            "9",
            f"surge: {n} escalations in {span:.0f} s, every issue filed",
            took,
            "s",
            baseline=floor,
            target="≤ 1.1x floor",
            met=verdict(took, 1.1 * floor),
            note=f"{_ratio(took, floor)}; secondary-limit answers {secondary}; "
            f"GitHub writes until then {writes}; refused {dict(refused) or 'none'}",
        )
    )


def storm(scale: Scale, out: list[Figure]) -> None:
    n, span = scale.storm_comments, scale.storm_seconds
    world = VendorWorld.start()
    try:
        (ticket,) = world.escalate(1)
        issue = world.sb.wait("issue", lambda: world.issue_of(ticket), 120)
        world.sb.settle(timeout=120)
        world.limit()
        began = time.perf_counter()
        for i in range(n):
            delay = began + i * span / n - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            world.sb.tracker.comment(issue, f"storm {i}")

        def arrived() -> int:
            return sum("storm " in c.body for c in world.sb.helpdesk.comments(ticket))

        wait_for("every comment on the ticket", lambda: arrived() >= n, 3600)
        took = time.perf_counter() - began
        world.sb.settle(timeout=600)
        got, refused = arrived(), world.refused()
    finally:
        world.stop()
    floor = max(span + RTT, floor_of(n, 30, 600.0, RTT, lanes=1))  # one ticket: one lane
    out.append(
        Figure(
            "10",
            f"storm: {n} developer comments on one issue reach its ticket",
            took,
            "s",
            baseline=floor,
            target="≤ 1.2x floor, none lost",
            met=verdict(took, 1.2 * floor) and got == n,
            note=f"{_ratio(took, floor)}; {got} of {n} arrived (none twice: "
            f"{got == n}); refused {dict(refused) or 'none'}",
        )
    )


def steady(scale: Scale, out: list[Figure], lanes: int) -> None:
    rate, seconds = scale.steady_rate, scale.steady_seconds
    world = VendorWorld.start(lanes=lanes)
    try:
        tickets = world.escalate(scale.steady_links)
        pairs = [(t, world.sb.wait("linked", _linked(world, t), 300)) for t in tickets]
        world.sb.settle(timeout=300)
        # the loopback figures' workload (changes and their timings); no daemon process here
        probe = scenario.World(world.sb, None, None, world.taps, pairs)  # type: ignore[arg-type]
        world.limit()
        before = world.requests()
        made = scenario.paced(probe, rate, int(rate * seconds), f"s{lanes}")
        seen = [t.made_to_answered if t else None for t in scenario.timings(probe, made, 600)]
        world.sb.settle(timeout=600)
        counts = scenario.diff(world.requests(), before)
        refused = world.refused()
    finally:
        world.stop()
    got = [s for s in seen if s is not None]
    p50, p99 = percentile(got, 50), percentile(got, 99)
    per_change = (counts["reads"] + counts["writes"]) / max(1, len(made))
    note = (
        f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms over {len(got)} of {len(made)} "
        f"changes; floor one round trip {RTT * 1000:.0f} ms (p50 / floor = {p50 / RTT:.2f}); "
        f"requests per change {per_change:.2f} ({counts}); refused {dict(refused) or 'none'}"
    )
    out.append(
        Figure(
            "11",
            f"steady {rate:g}/s for {seconds:.0f} s, lanes {lanes}: end-to-end p50",
            p50 * 1000,
            "ms",
            baseline=RTT * 1000,
            target="≤ 1.5x round trip, no 429",
            met=verdict(p50, 1.5 * RTT) and not refused,
            note=note,
            extra={"p99_ms": p99 * 1000, "requests_per_change": per_change},
        )
    )


def _linked(world: VendorWorld, ticket: Ref) -> Callable[[], Ref | None]:
    return lambda: world.issue_of(ticket)


# changes a second the vendors' write limits sustain when half go each way: GitHub's 80
# content-creating requests a minute bind at 2 x 80 / 60 = 2.67 (Zendesk's 100 updates a
# minute at 3.33); the issue's 5 a second is past both, so its latency is their queue
SUSTAINED = 2.5


def run(scale: Scale, out: list[Figure]) -> None:
    """The four vendor-true figures, each printed as it is measured (a full run takes tens
    of minutes: what was measured survives an interrupted one)."""
    sustained = replace(scale, steady_rate=min(scale.steady_rate, SUSTAINED))
    for measure in (
        fan_out,
        surge,
        storm,
        lambda s, o: steady(s, o, 4),
        lambda s, o: steady(s, o, 1),
        lambda s, o: steady(sustained, o, 4),
    ):
        done = len(out)
        measure(scale, out)
        for f in out[done:]:
            print(f"figure {f.number}: {f.name}: {f.value:.3g} {f.unit}; {f.note}", flush=True)
