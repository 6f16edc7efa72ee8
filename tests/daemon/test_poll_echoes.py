"""syncd's own comments read back by a poll: left out of the page the poller enqueues, and
counted, as the intake does for webhooks (tests/daemon/test_intake_echoes.py)."""

from __future__ import annotations

from pathlib import Path

from syncd import metrics
from syncd.model import Ref
from syncd.testing.sandbox import Sandbox


def echoes_counted() -> float:
    labels = {"connector": "github"}
    return metrics.REGISTRY.get_sample_value("syncd_echoes_dropped_total", labels) or 0.0


def polls_done() -> float:
    labels = {"connector": "github", "outcome": "ok"}
    return metrics.REGISTRY.get_sample_value("syncd_polls_total", labels) or 0.0


def test_a_poll_leaves_out_syncd_s_own_comments(tmp_path: Path) -> None:
    started = polls_done()
    with Sandbox(folder=tmp_path, webhooks=False, poll_interval=3600.0) as sb:
        assert sb.service is not None
        poller = sb.service.poller
        # the service's own first poll runs at start: let it end, so this test's polls are alone
        sb.wait("the first poll", lambda: polls_done() > started)
        emulator = sb.sides["github"].emulator
        number = emulator.create_issue_as("dev-alice", sb.project, "Crash on export", "Steps.")
        issue = Ref.issue("github", f"{sb.project}#{number}")
        poller.poll("github")
        before = echoes_counted()
        sb.tracker.comment(issue, "Copied note.\n\n<!-- syncd:key=copy:zendesk:comment:9 -->")
        sb.tracker.comment(issue, "Found the cause.")
        taken = poller.poll("github")
        assert echoes_counted() - before == 1
        # the issue (touched by both comments) and the person's comment; not the copy
        assert taken == 2
