"""``syncd run --dry-run``: every write the run would make is printed, none is made, and the
store (cursors included) is left as it was, so a real run afterwards still does the work."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import yaml

from syncd.testing.sandbox import Sandbox

SYNCD = [sys.executable, "-m", "syncd.cli"]


def _state(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        cursors = sorted(conn.execute("select connector, stream, value from cursors"))
        counts = [
            conn.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("inbox", "outbox", "links", "shadows", "comment_map")
        ]
    return [*cursors, tuple(counts)]


def test_dry_run_shows_the_writes_and_makes_none(tmp_path: Path) -> None:
    sb = Sandbox(folder=tmp_path / "sb", webhooks=False)
    conf = sb.start_emulators()
    try:
        db = tmp_path / "run.db"
        conf["store"]["url"] = f"sqlite:///{db}"
        path = tmp_path / "syncd.yaml"
        path.write_text(yaml.safe_dump(conf))
        once = [*SYNCD, "run", "--once", "-c", str(path)]
        assert subprocess.run(once, capture_output=True, timeout=120).returncode == 0
        time.sleep(1.1)  # the helpdesk's export has one-second cursors
        ticket = sb.helpdesk.create_ticket("Export crashes", "Every time.", tags=["escalate"])
        sb.helpdesk.create_ticket("How do I log in?", "Question.", tags=["question"])
        before = _state(db)
        made_before = {
            n: dict(s.emulator.control.snapshot()["requests"]) for n, s in sb.sides.items()
        }

        res = subprocess.run([*once, "--dry-run"], capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stderr
        lines = [line for line in res.stdout.splitlines() if line.startswith("would ")]
        assert (
            lines[0] == "would file an issue in github acme/widgets: 'Export crashes'; "
            "labels ['from-support']"
        )
        hand_off = [line for line in lines if "status on_hold" in line]
        assert hand_off and f"zendesk {ticket.key}" in hand_off[0]
        assert "public reply" in hand_off[0]
        assert "writes would have been made" in res.stdout
        assert "How do I log in" not in res.stdout  # no route takes it

        assert sb.tracker.issues("acme/widgets") == []
        assert not [c for c in sb.helpdesk.comments(ticket) if "developers" in c.body]
        assert _state(db) == before  # cursors, queues and links as they were
        for name, side in sb.sides.items():  # reads only: no write reached a vendor
            made = side.emulator.control.snapshot()["requests"]
            new = {k: v - made_before[name].get(k, 0) for k, v in made.items()}
            writes = {k: v for k, v in new.items() if v and not k.startswith("GET ")}
            assert not writes, (name, writes)

        assert subprocess.run(once, capture_output=True, timeout=120).returncode == 0
        assert len(sb.tracker.issues("acme/widgets")) == 1  # the real run still does it
    finally:
        sb.stop()
