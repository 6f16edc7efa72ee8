"""Fixtures of the Request Tracker tests: a real RT 5 and the emulator, both over HTTP on
127.0.0.1.

The real RT is started once per session through ``tests/realservers/rt.sh`` (which installs
the Debian packages itself when they are missing). When it cannot start, the real-server
variants are skipped with the reason printed loudly (``SYNCD_RT_REQUIRED=1`` turns the skip
into a failure, for CI).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.rt.emulator import RTEmulator, build
from syncd.testing.server import ServerThread

from .harness import NoticeReceiver, RTHarness, RTTarget

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "tests" / "realservers" / "rt.sh"
SAMPLES = ROOT / ".." / "shared" / "vendor-samples"
WEBHOOK_SECRET = "emulator-notice-secret"

_real_failure: str | None = None


def _start_real() -> tuple[dict[str, object], bool]:
    """Start RT through the project's script; (info.json, whether this run started it)."""
    running = subprocess.run(["bash", str(SCRIPT), "status"], capture_output=True, text=True)
    started_here = running.returncode != 0
    t0 = time.monotonic()
    proc = subprocess.run(
        ["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=600
    )
    if proc.returncode != 0:
        raise RuntimeError(f"rt.sh start failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    info = json.loads((SCRIPT.parent / ".rt" / "info.json").read_text())
    info["fixture_seconds"] = round(time.monotonic() - t0, 1)
    return info, started_here


@pytest.fixture(scope="session")
def rt_real() -> Iterator[RTTarget]:
    """A real Request Tracker 5 with a Scrip notice receiver, or a loud skip."""
    global _real_failure
    if _real_failure is not None:
        pytest.skip(_real_failure)
    try:
        info, started_here = _start_real()
    except Exception as exc:  # any failure to start means: skip, loudly
        _real_failure = f"the real Request Tracker could not start: {exc}"
        banner = "=" * 78
        print(f"\n{banner}\nSKIPPING real-RT tests: {_real_failure}\n{banner}", file=sys.__stderr__)
        if os.environ.get("SYNCD_RT_REQUIRED") == "1":
            pytest.fail(_real_failure)
        pytest.skip(_real_failure)
    receiver = NoticeReceiver(int(str(info["notify_port"]))).start()
    target = RTTarget(
        kind="real",
        base_url=str(info["base_url"]),
        syncd_token=str(info["syncd_token"]),
        agent_token=str(info["agent_token"]),
        agent_user=str(info["agent_user"]),
        agent_password=str(info["agent_password"]),
        webhook_secret=str(info["notify_secret"]),
        restricted_queue=str(info["restricted_queue"]),
        last_webhook=receiver.last,
        extra={"info": info, "receiver": receiver},
    )
    print(f"\nreal RT at {target.base_url}: {info.get('seconds')}", file=sys.__stderr__)
    yield target
    receiver.stop()
    if started_here and os.environ.get("SYNCD_RT_KEEP") != "1":
        subprocess.run(["bash", str(SCRIPT), "stop"], capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def rt_emulator_server() -> Iterator[tuple[RTEmulator, ServerThread]]:
    """The emulator served by uvicorn on 127.0.0.1."""
    emu = build(webhook_secret=WEBHOOK_SECRET)
    with ServerThread(emu.app) as server:
        emu.base_url = server.url
        yield emu, server
    emu.control.webhooks.close()


@pytest.fixture
def rt_emulator(rt_emulator_server: tuple[RTEmulator, ServerThread]) -> Iterator[RTTarget]:
    """An emulator target with its faults cleared after the test."""
    emu, server = rt_emulator_server

    def last_webhook() -> tuple[dict[str, str], bytes] | None:
        captured = emu.control.webhooks.captured
        if not captured:
            return None
        _, headers, body = captured[-1]
        return headers, body

    yield RTTarget(
        kind="emulator",
        base_url=server.url,
        syncd_token=emu.token("syncd"),
        agent_token=emu.token("alice"),
        agent_user="alice",
        agent_password=emu.password("alice"),
        webhook_secret=WEBHOOK_SECRET,
        last_webhook=last_webhook,
        extra={"emulator": emu},
    )
    emu.control.faults.clear()


@pytest.fixture(params=["real", "emulator"])
def rt_target(request: pytest.FixtureRequest) -> RTTarget:
    """The same test against the real RT and against the emulator."""
    name = "rt_real" if request.param == "real" else "rt_emulator"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


@pytest.fixture
def harness(rt_target: RTTarget) -> Iterator[RTHarness]:
    h = RTHarness(rt_target)
    yield h
    h.close()
