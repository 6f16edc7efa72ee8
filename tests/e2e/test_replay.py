"""A permanent vendor error dead-letters one action with its reason; `syncd replay` re-drives
it once the cause is fixed."""

from __future__ import annotations

import subprocess
import sys

from syncd.testing.sandbox import Sandbox
from tests.e2e.test_escalation_path import escalate, notes

SYNCD = [sys.executable, "-m", "syncd.cli"]


def test_dead_letter_then_replay(hooked: Sandbox) -> None:
    sb = hooked
    ticket, issue = escalate(sb, ["escalate"])
    sb.settle()
    emu = sb.tracker.emulator
    emu.control.faults.add("status", status=422, method="POST", path=r"/comments$", times=1)
    sb.helpdesk.comment(ticket, "/dev stack trace attached", public=False)
    assert sb.service is not None
    sb.wait("dead letter", lambda: sb.service.store.depth()["dead"] == 1)
    config = str(sb.folder / "syncd.yaml")
    listed = subprocess.run(
        [*SYNCD, "replay", "--list", "-c", config], capture_output=True, text=True, timeout=60
    )
    assert listed.returncode == 0
    assert "add_comment" in listed.stdout and "422" in listed.stdout
    assert not [c for c in sb.tracker.comments(issue) if "stack trace" in c.body]
    # the other side keeps working meanwhile: the lane is not blocked by a dead letter
    sb.tracker.comment(issue, "looking into it")
    sb.wait(
        "dev comment still flows", lambda: notes(sb, ticket, public=False, text="looking into it")
    )
    replayed = subprocess.run(
        [*SYNCD, "replay", "-c", config], capture_output=True, text=True, timeout=60
    )
    assert replayed.returncode == 0 and "1 dead letters sent back" in replayed.stdout
    sb.wait(
        "replayed comment lands",
        lambda: [c for c in sb.tracker.comments(issue) if "stack trace" in c.body],
    )
    sb.settle()
    assert sb.service.store.depth()["dead"] == 0
    assert len([c for c in sb.tracker.comments(issue) if "stack trace" in c.body]) == 1
