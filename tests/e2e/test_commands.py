"""The commands as ops and admins run them: demo, run (SIGTERM, --once), links, replay."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml

from syncd.testing.sandbox import Sandbox
from syncd.testing.server import free_port

SYNCD = [sys.executable, "-m", "syncd.cli"]


def test_demo_scripted_plays_the_whole_story(tmp_path: Path) -> None:
    info = tmp_path / "info.json"
    res = subprocess.run(
        [*SYNCD, "demo", "--scripted", "--info-file", str(info)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "story complete" in res.stdout
    assert "✗" not in res.stdout
    data = json.loads(info.read_text())
    assert data["daemon"].startswith("http://127.0.0.1:")
    assert set(data["emulators"]) == {"zendesk", "github", "jira", "jsm", "freshdesk", "email"}
    for emu in data["emulators"].values():
        assert emu["url"].startswith("http://127.0.0.1:") and emu["webhook_secret"]
    assert not Path(data["config"]).parent.exists()  # its folder (with secrets) is gone
    assert re.search(r"SMTP 127\.0\.0\.1:\d+ \(STARTTLS\)", res.stdout)  # the mail emulator
    assert "the supplier writes `#resolved` → ticket solved" in res.stdout
    redirect = next(line for line in res.stdout.splitlines() if "redirect message" in line)
    assert re.search(r"https?://\S+/issues/\d+", redirect), redirect  # the URL is whole


def test_demo_says_how_to_act_and_cleans_up_on_sigterm(tmp_path: Path) -> None:
    info = tmp_path / "info.json"
    proc = subprocess.Popen(
        [*SYNCD, "demo", "--info-file", str(info)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        deadline = time.monotonic() + 120
        while not info.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        data = json.loads(info.read_text())
        folder = Path(data["config"]).parent
        assert folder.exists()
        time.sleep(1.0)  # the panels are printed after the info file
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert "act as a person" in out
    assert "agent@example.com" in out and "dev-token" in out  # who is who
    assert "curl -s -H 'Authorization: token dev-token'" in out
    assert "supplier-mail-secret" in out  # the supplier's mailbox, to answer cases by mail
    assert not folder.exists()


def _sandbox_config(tmp_path: Path) -> tuple[Sandbox, Path, int]:
    """Emulators from a sandbox, and a config file for a separate `syncd run` process."""
    port = free_port()
    sb = Sandbox(folder=tmp_path / "sb", port=port)
    conf = sb.start_emulators()
    conf["store"]["url"] = f"sqlite:///{tmp_path / 'run.db'}"
    conf["server"]["port"] = port
    path = tmp_path / "syncd.yaml"
    path.write_text(yaml.safe_dump(conf))
    return sb, path, port


def test_run_serves_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    sb, path, port = _sandbox_config(tmp_path)
    proc = subprocess.Popen(
        [*SYNCD, "run", "-c", str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        sb.wait(
            "daemon ready",
            lambda: httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200,
            timeout=30,
        )
        ticket = sb.helpdesk.create_ticket("Crash", "x", tags=["escalate"])
        sb.wait("issue created by the service", lambda: sb.tracker.issues("acme/widgets"))
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert time.monotonic() - start < 20
        lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
        events = {line["event"] for line in lines}
        assert {"service.started", "service.stopped"} <= events
        secrets = [s.secret for s in sb.sides.values()]
        assert not any(s in err for s in secrets)
        assert ticket
    finally:
        if proc.poll() is None:
            proc.kill()
        sb.stop()


def test_run_once_links_and_replay(tmp_path: Path) -> None:
    sb, path, _ = _sandbox_config(tmp_path)
    try:
        env = {**os.environ}
        first = subprocess.run(
            [*SYNCD, "run", "--once", "-c", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert first.returncode == 0, first.stderr
        sb.helpdesk.create_ticket("Crash", "x", tags=["escalate"])
        time.sleep(1.1)  # the helpdesk's incremental export has one-second resolution
        second = subprocess.run(
            [*SYNCD, "run", "--once", "-c", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert second.returncode == 0, second.stderr
        assert len(sb.tracker.issues("acme/widgets")) == 1
        links = subprocess.run(
            [*SYNCD, "links", "--json", "-c", str(path)], capture_output=True, text=True, timeout=60
        )
        (row,) = [json.loads(line) for line in links.stdout.splitlines()]
        assert row["issue_ref"] == "github:issue:acme/widgets#1" and row["route"] == "widgets"
        assert row["state"] == "active" and row["mode"] == "pending"
        listed = subprocess.run(
            [*SYNCD, "replay", "--list", "-c", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert listed.returncode == 0
    finally:
        sb.stop()


def test_emulate_serves_one_vendor(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [*SYNCD, "emulate", "github", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        sb = Sandbox(folder=tmp_path)
        answer = sb.wait(
            "emulator answers",
            lambda: httpx.get(
                f"http://127.0.0.1:{port}/repos/acme/widgets/issues",
                headers={"Authorization": "token dev-token"},
                timeout=1,
            ),
            timeout=30,
        )
        assert answer.status_code == 200 and answer.json() == []
        assert "X-RateLimit-Remaining" in answer.headers
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
