"""Reloading the config of a running syncd: SIGHUP, ``syncd reload`` and ``POST
/api/reload`` apply a good file in place (webhooks and work go on), refuse a bad one and
keep the running config, and say which changes wait for a restart."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from syncd.model import TicketStatus
from syncd.testing.sandbox import Sandbox
from tests.chaos.daemon import separate_daemon

SYNCD = [sys.executable, "-m", "syncd.cli"]


def _edit(path: Path, change: Any) -> None:
    conf = yaml.safe_load(path.read_text())
    change(conf)
    path.write_text(yaml.safe_dump(conf, sort_keys=False))


def _handoff(template: str) -> Any:
    def change(conf: dict[str, Any]) -> None:
        for route in conf["routes"]:
            route.setdefault("templates", {})["handoff"] = template

    return change


def _handed_off_with(sb: Sandbox, text: str) -> Any:
    ticket = sb.helpdesk.create_ticket(f"Crash {text}", "Every time.", tags=["escalate"])
    return sb.wait(
        f"hand-off saying {text!r}",
        lambda: [c for c in sb.helpdesk.comments(ticket) if c.public and text in c.body],
        timeout=30,
    )


def test_a_good_file_is_applied_and_a_bad_one_refused(hooked: Sandbox) -> None:
    sb = hooked
    path = sb.folder / "syncd.yaml"
    _edit(path, _handoff("HANDOFF-TWO: the developers have it."))
    res = httpx.post(sb.url + "/api/reload", timeout=30)
    assert res.status_code == 200, res.text
    assert res.json()["applied"] == ["routes"] and res.json()["restart_needed"] == []
    _handed_off_with(sb, "HANDOFF-TWO")

    good = path.read_text()
    _edit(path, lambda conf: conf["routes"][0].update(mode="sometimes"))
    res = httpx.post(sb.url + "/api/reload", timeout=30)
    assert res.status_code == 422
    assert [p["key"] for p in res.json()["problems"]] == ["routes.0.mode"]
    _handed_off_with(sb, "HANDOFF-TWO")  # the running config is kept
    path.write_text(good)


def test_a_changed_connector_is_swapped_and_restart_keys_are_named(hooked: Sandbox) -> None:
    sb = hooked
    assert sb.service is not None
    path = sb.folder / "syncd.yaml"
    before = sb.service.connectors["github"]
    _edit(path, lambda conf: conf["connectors"]["github"].update(per_page=50))
    _edit(path, lambda conf: conf["server"].update(max_body_bytes=2_000_000))
    res = httpx.post(sb.url + "/api/reload", timeout=30).json()
    assert res["applied"] == ["connectors.github"]
    assert res["restart_needed"] == ["server"]
    assert sb.service.connectors["github"] is not before
    ticket = sb.helpdesk.create_ticket("After the swap", "x", tags=["escalate"])
    sb.wait(
        "issue filed through the new connector",
        lambda: sb.helpdesk.ticket(ticket).status == TicketStatus.ON_HOLD,
        timeout=30,
    )


def test_webhooks_are_never_refused_while_reloading(hooked: Sandbox) -> None:
    sb = hooked
    path = sb.folder / "syncd.yaml"
    stop = threading.Event()

    def deliveries() -> None:
        while not stop.is_set():
            sb.helpdesk.create_ticket("Busy", "x", tags=["question"])
            time.sleep(0.01)

    feeder = threading.Thread(target=deliveries, daemon=True)
    feeder.start()
    try:
        for n in range(5):
            _edit(path, _handoff(f"HANDOFF-{n}"))
            assert httpx.post(sb.url + "/api/reload", timeout=30).status_code == 200
    finally:
        stop.set()
        feeder.join(10)
    sb.settle()
    answers = [status for _, status in sb.sides["zendesk"].emulator.control.webhooks.log]
    assert len(answers) > 20
    refused = [a for a in answers if a not in ("200", "202")]
    assert not refused, refused
    _handed_off_with(sb, "HANDOFF-4")


def test_sighup_and_syncd_reload_on_a_running_process(tmp_path: Path) -> None:
    sb, daemon, _ = separate_daemon(tmp_path, poll_interval=3600.0)
    try:
        daemon.start()
        _edit(daemon.config, _handoff("SIGHUP-SAYS: on it."))
        assert daemon.proc is not None
        daemon.proc.send_signal(signal.SIGHUP)
        _handed_off_with(sb, "SIGHUP-SAYS")
        _edit(daemon.config, _handoff("RELOAD-SAYS: on it."))
        res = subprocess.run(
            [*SYNCD, "reload", "-c", str(daemon.config)], capture_output=True, text=True, timeout=60
        )
        assert res.returncode == 0, res.stderr
        assert "reloaded" in res.stdout and "routes" in res.stdout
        _handed_off_with(sb, "RELOAD-SAYS")
        good = daemon.config.read_text()
        _edit(daemon.config, lambda conf: conf.update(routes="not a list"))
        res = subprocess.run(
            [*SYNCD, "reload", "-c", str(daemon.config)], capture_output=True, text=True, timeout=60
        )
        assert res.returncode == 2 and "the running config is kept" in res.stderr
        daemon.proc.send_signal(signal.SIGHUP)  # the daemon refuses the bad file too
        time.sleep(1.0)
        _handed_off_with(sb, "RELOAD-SAYS")
        daemon.config.write_text(good)
        assert daemon.stop() == 0
        logged = [
            json.loads(line)["event"]
            for f in sorted(daemon.logs.glob("run-*.log"))
            for line in f.read_text().splitlines()
            if line.startswith("{")
        ]
        assert logged.count("config.reloaded") == 2
        assert "config.reload_refused" in logged
        assert not daemon.errors()
    finally:
        daemon.stop()
        sb.stop()
