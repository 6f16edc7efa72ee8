"""Fixtures of the Zendesk connector tests: an emulator served on 127.0.0.1."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[3]
# the shared contract lives in tests/connectors/contract.py, imported as tests.connectors
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from connectors.zendesk import ZendeskConnector, factory  # noqa: E402
from connectors.zendesk.emulator import DEFAULT_SECRET, ZendeskEmulator, build  # noqa: E402
from syncd.model import Ref  # noqa: E402
from tests.conftest import SAMPLES  # noqa: E402, F401  (the tests here import it from this module)
from tests.connectors.helpdesks import EmulatedHelpdesk, helpdesk_fixtures  # noqa: E402

INSTANCE = "zd"


def settings_for(url: str, **over: Any) -> dict[str, Any]:
    """Settings of syncd's own account on the emulator."""
    values: dict[str, Any] = {
        "kind": "zendesk",
        "base_url": url,
        "email": "syncd@example.com",
        "api_token": "syncd-token",
        "webhook_secret": DEFAULT_SECRET,
        "timeout": 1.0,
        "custom_fields": {"jira_key": 27642, "impact": 27648},
    }
    values.update(over)
    return values


class ZendeskHarness(EmulatedHelpdesk[ZendeskConnector]):
    """Acts as the humans of a Zendesk account over the emulator's API."""

    instance = INSTANCE
    wrong_credential = {"api_token": "wrong"}

    def __init__(self, emu: ZendeskEmulator, url: str) -> None:
        agent = httpx.Client(
            base_url=url, timeout=5.0, auth=("agent@example.com/token", "agent-token")
        )
        super().__init__(emu, url, httpx.Client(base_url=url, timeout=5.0), agent)

    def connect(self, http: httpx.Client | None, **over: Any) -> ZendeskConnector:
        return factory(INSTANCE, settings_for(self.url, **over), http)

    def human_create(self, title: str, body: str = "", **kw: Any) -> Ref:
        ticket = {"subject": title, "comment": {"body": body or title}, **kw}
        ticket.setdefault("requester_id", self.emu.customer.id)
        resp = self.agent.post("/api/v2/tickets.json", json={"ticket": ticket})
        resp.raise_for_status()
        return Ref.ticket(INSTANCE, resp.json()["ticket"]["id"])

    def human_comment(self, parent: Ref, body: str, *, public: bool) -> Ref:
        resp = self.agent.put(
            f"/api/v2/tickets/{parent.key}.json",
            json={"ticket": {"comment": {"body": body, "public": public}}},
        )
        resp.raise_for_status()
        event = next(e for e in resp.json()["audit"]["events"] if e["type"] == "Comment")
        return Ref.comment(INSTANCE, event["id"])


def _served_at(emu: ZendeskEmulator, url: str) -> None:
    emu.public_url = url


served, harness = helpdesk_fixtures(
    lambda: build(incremental_limit=10_000), ZendeskHarness, _served_at
)
