"""Readiness tells the truth: a connector is healthy only after a request to it succeeded.
With every vendor at a closed port, ``/readyz`` says 503 with each connector's reason and
``syncd run --once`` exits non-zero; once they answer, both say so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import yaml

from syncd.daemon.app import create_app
from syncd.daemon.service import Service
from syncd.settings import parse
from syncd.testing.sandbox import Sandbox
from syncd.testing.server import ServerThread, free_port

SYNCD = [sys.executable, "-m", "syncd.cli"]


def _closed_ports(conf: dict[str, Any]) -> dict[str, Any]:
    """``conf`` with every connector's base URL at a port nothing listens on."""
    for connector in conf["connectors"].values():
        connector["base_url"] = f"http://127.0.0.1:{free_port()}"
    return conf


def test_unreachable_vendors_are_not_ready(tmp_path: Path) -> None:
    sb = Sandbox(folder=tmp_path / "sb")
    conf = _closed_ports(sb.start_emulators())
    sb.stop()
    service = Service(parse(conf))
    server = ServerThread(create_app(service)).start()
    try:
        service.poller.poll_all()  # a first poll (no cursor yet) must not count as an answer
        res = httpx.get(server.url + "/readyz", timeout=5)
        assert res.status_code == 503
        states = res.json()["connectors"]
        for name in conf["connectors"]:
            state = states[name]
            assert state["healthy"] is False, (name, state)
            assert state["last_success"] is None
            assert state["failures"] >= 1 and state["since"]
            assert "check failed" in state["reason"] or "poll failed" in state["reason"]
    finally:
        server.stop()


def test_run_once_exits_non_zero_when_a_vendor_cannot_be_reached(tmp_path: Path) -> None:
    sb = Sandbox(folder=tmp_path / "sb")
    conf = sb.start_emulators()
    try:
        conf["store"]["url"] = f"sqlite:///{tmp_path / 'run.db'}"
        path = tmp_path / "syncd.yaml"
        path.write_text(yaml.safe_dump(conf))
        res = subprocess.run(
            [*SYNCD, "run", "--once", "-c", str(path)], capture_output=True, text=True, timeout=120
        )
        assert res.returncode == 0, res.stderr  # all answer: ready
        bad = _closed_ports(yaml.safe_load(path.read_text()))
        path.write_text(yaml.safe_dump(bad))
        res = subprocess.run(
            [*SYNCD, "run", "--once", "-c", str(path)], capture_output=True, text=True, timeout=120
        )
        assert res.returncode == 1, res.stderr
        for name in bad["connectors"]:
            assert f"error {name}: " in res.stderr
        assert "Traceback" not in res.stderr
    finally:
        sb.stop()
