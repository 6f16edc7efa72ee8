"""The runner performs the actions of different tickets side by side, and the actions of one
ticket strictly in order. Seen at the vendor (how many requests its emulator answers at
once), never by the clock."""

from __future__ import annotations

from pathlib import Path

from syncd.testing.sandbox import Sandbox
from tests.e2e.test_escalation_path import escalate, notes

LATENCY = 0.2  # every Zendesk answer takes this long, so requests that overlap show


def test_tickets_run_side_by_side_each_in_order(hooked: Sandbox) -> None:
    sb = hooked
    pairs = [escalate(sb, ["escalate"], subject=f"Crash number {n}") for n in range(6)]
    sb.settle()
    zendesk = sb.helpdesk.emulator.control
    zendesk.faults.latency = LATENCY
    zendesk.reset_peak()
    first_ticket, first_issue = pairs[0]
    for n, (_, issue) in enumerate(pairs):
        sb.tracker.comment(issue, f"Looking at crash {n}.")
    for step in range(3):
        sb.tracker.comment(first_issue, f"Fix step {step} done.")

    def copied() -> bool:
        looked = all(
            notes(sb, ticket, public=False, text=f"Looking at crash {n}.")
            for n, (ticket, _) in enumerate(pairs)
        )
        return looked and len(notes(sb, first_ticket, public=False, text="Fix step")) == 3

    sb.wait("every developer comment copied", copied, timeout=60)
    zendesk.faults.latency = 0.0
    peak = zendesk.peak_in_flight
    assert sb.service is not None
    lanes = sb.service.settings.engine.lanes
    print(f"\nZendesk answered up to {peak} syncd writes at once ({lanes} lanes)")
    assert 2 <= peak <= lanes
    steps = [c.body for c in notes(sb, first_ticket, public=False, text="Fix step")]
    assert [s[s.index("Fix step") :][:10] for s in steps] == [
        "Fix step 0",
        "Fix step 1",
        "Fix step 2",
    ]
    assert sb.settle()["dead"] == 0


def test_one_lane_setting_runs_one_action_at_a_time(tmp_path: Path) -> None:
    engine = {"backoff_base": 0.2, "backoff_cap": 5.0, "gone_recheck": 0.5, "lanes": 1}
    with Sandbox(folder=tmp_path, poll_interval=3600.0, extra={"engine": engine}) as sb:
        pairs = [escalate(sb, ["escalate"], subject=f"Crash number {n}") for n in range(3)]
        sb.settle()
        zendesk = sb.helpdesk.emulator.control
        zendesk.faults.latency = LATENCY
        zendesk.reset_peak()
        for n, (_, issue) in enumerate(pairs):
            sb.tracker.comment(issue, f"Looking at crash {n}.")
        sb.wait(
            "every developer comment copied",
            lambda: all(
                notes(sb, t, public=False, text=f"Looking at crash {n}.")
                for n, (t, _) in enumerate(pairs)
            ),
            timeout=60,
        )
        zendesk.faults.latency = 0.0
        assert zendesk.peak_in_flight == 1
