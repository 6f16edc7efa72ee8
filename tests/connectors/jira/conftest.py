"""Emulated Jira servers (Cloud and Data Center) and connectors pointed at them."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from connectors.jira import JiraConnector, JiraSettings
from connectors.jira.emulator import JiraEmulator, build
from syncd.testing.server import ServerThread
from tests.conftest import SAMPLES as ALL_SAMPLES

SAMPLES = ALL_SAMPLES / "jira"
SECRET = "s3cret-webhook"


class Served:
    """One emulator served over HTTP on 127.0.0.1."""

    def __init__(self, flavour: str) -> None:
        self.flavour = flavour
        self.emu: JiraEmulator = build(flavour, webhook_secret=SECRET)
        self.server = ServerThread(self.emu.app).start()
        self.url = self.server.url
        self.emu.set_base_url(self.url)

    def settings(self, **over: Any) -> JiraSettings:
        base: dict[str, Any] = {"kind": "jira", "flavour": self.flavour, "base_url": self.url}
        base |= {"webhook_secret": SECRET, "projects": ["WID"], "near_limit_delay": 0.0}
        if self.flavour == "cloud":
            base |= {"email": "syncd-bot@example.com", "api_token": "bot-token"}
        else:
            base |= {"pat": "bot-token"}
        return JiraSettings.model_validate(base | over)

    def connector(self, **over: Any) -> JiraConnector:
        return JiraConnector("jira", self.settings(**over))

    def human(self, who: str = "alice") -> httpx.Client:
        """A developer talking to the emulated Jira's REST API."""
        login = f"{who}@example.com" if self.flavour == "cloud" else who
        token = base64.b64encode(f"{login}:{who}-token".encode()).decode()
        api = "3" if self.flavour == "cloud" else "2"
        return httpx.Client(
            base_url=f"{self.url}/rest/api/{api}/",
            headers={"Authorization": f"Basic {token}"},
            timeout=10,
        )

    def stop(self) -> None:
        self.server.stop()


@pytest.fixture(scope="session")
def cloud() -> Iterator[Served]:
    served = Served("cloud")
    yield served
    served.stop()


@pytest.fixture(scope="session")
def datacenter() -> Iterator[Served]:
    served = Served("datacenter")
    yield served
    served.stop()


@pytest.fixture(params=["cloud", "datacenter"])
def served(request: pytest.FixtureRequest) -> Served:
    """Each test using this runs against both flavours."""
    fixture: Served = request.getfixturevalue(request.param)
    fixture.emu.control.faults.clear()
    return fixture
