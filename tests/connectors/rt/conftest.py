"""Fixtures of the Request Tracker tests: a real RT 5 and the emulator, both over HTTP on
127.0.0.1.

The real RT is started once per session through ``tests/realservers/rt.sh`` (which installs
the Debian packages itself when they are missing). When it cannot start, the real-server
variants are skipped with the reason printed loudly (``SYNCD_RT_REQUIRED=1`` turns the skip
into a failure, for CI).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from connectors.rt.emulator import RTEmulator, build
from syncd.testing.server import ServerThread
from tests.connectors.kit import last_delivery
from tests.realservers.rt_server import NoticeReceiver, RealRT

from .harness import RTHarness, RTTarget

WEBHOOK_SECRET = "emulator-notice-secret"


@pytest.fixture(scope="session")
def rt_real() -> Iterator[RTTarget]:
    """A real Request Tracker 5 with a Scrip notice receiver, or a loud skip."""
    server = RealRT.started_or_skip()
    info = server.info
    receiver = NoticeReceiver(server.notify_port).start()
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
    server.stop()


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
    yield RTTarget(
        kind="emulator",
        base_url=server.url,
        syncd_token=emu.token("syncd"),
        agent_token=emu.token("alice"),
        agent_user="alice",
        agent_password=emu.password("alice"),
        webhook_secret=WEBHOOK_SECRET,
        last_webhook=lambda: last_delivery(emu.control.webhooks),
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
