"""Emulated Jira sites (Cloud and Data Center) with Jira Service Management, and JSM
connectors pointed at them: the Jira tests' served emulator, with JSM's settings and the
service desk API's people."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from connectors.jira.settings import JiraAccess
from connectors.jsm import JsmConnector, JsmSettings
from tests.conftest import SAMPLES as ALL_SAMPLES
from tests.connectors.jira import conftest as jira

SAMPLES = ALL_SAMPLES / "jira-service-management"


class Served(jira.Served):
    """One emulated site served over HTTP on 127.0.0.1, seen as a helpdesk."""

    def settings(self, **over: Any) -> JsmSettings:
        shared = set(JiraAccess.model_fields) - {"kind"}
        base = super().settings().model_dump(include=shared)
        return JsmSettings.model_validate(base | {"kind": "jsm", "projects": ["HELP"]} | over)

    def connector(self, **over: Any) -> JsmConnector:
        return JsmConnector("jsm", self.settings(**over))

    def human(self, who: str = "bob") -> httpx.Client:
        """An agent (``bob``) or a customer (``ada``) on the service desk API."""
        login = self.emu.store.users[who].email if self.flavour == "cloud" else who
        token = base64.b64encode(f"{login}:{who}-token".encode()).decode()
        return httpx.Client(
            base_url=f"{self.url}/rest/servicedeskapi/",
            headers={"Authorization": f"Basic {token}"},
            timeout=10,
        )


jsm_cloud, jsm_datacenter, served = jira.flavour_fixtures(Served, "jsm_")
