"""Emulated Jira servers (Cloud and Data Center) and connectors pointed at them."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import httpx
import pytest

from connectors.jira import JiraConnector, JiraSettings
from connectors.jira.emulator import JiraEmulator, build
from connectors.jira.emulator.admin import AdminState
from syncd.testing.server import ServerThread
from tests.conftest import SAMPLES as ALL_SAMPLES

SAMPLES = ALL_SAMPLES / "jira"
SECRET = "s3cret-webhook"


def new_key() -> str:
    """A fresh idempotency key for an issue or comment syncd writes."""
    return f"k-{uuid.uuid4().hex}"


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

    @contextmanager
    def hooked(self, url: str) -> Iterator[Served]:
        """This site with a webhook to ``url``; the admin state back to the defaults after."""
        self.emu.admin = AdminState()
        self.emu.admin.add_hook(url)
        yield self
        self.emu.admin = AdminState()

    def stop(self) -> None:
        self.server.stop()


class FlavourFixtures(NamedTuple):
    """A site's fixtures, for a conftest to unpack under its names."""

    cloud: Any
    datacenter: Any
    served: Any


def flavour_fixtures(site: type[Served], prefix: str = "") -> FlavourFixtures:
    """``{prefix}cloud`` and ``{prefix}datacenter`` (session): a ``site`` of each flavour,
    served; ``served``: each of them in turn, its faults cleared."""

    def session_site(flavour: str) -> Any:
        @pytest.fixture(scope="session", name=f"{prefix}{flavour}")
        def fixture() -> Iterator[Served]:
            served = site(flavour)
            yield served
            served.stop()

        return fixture

    @pytest.fixture(params=["cloud", "datacenter"])
    def served(request: pytest.FixtureRequest) -> Served:
        """Each test using this runs against both flavours."""
        fixture: Served = request.getfixturevalue(f"{prefix}{request.param}")
        fixture.emu.control.faults.clear()
        return fixture

    return FlavourFixtures(session_site("cloud"), session_site("datacenter"), served)


cloud, datacenter, served = flavour_fixtures(Served)
