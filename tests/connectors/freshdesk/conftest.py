"""Fixtures of the Freshdesk connector tests: an emulator served on 127.0.0.1."""

from __future__ import annotations

from typing import Any

import httpx

from connectors.freshdesk import FreshdeskConnector, factory
from connectors.freshdesk.emulator import DEFAULT_SECRET, FreshdeskEmulator, build
from connectors.freshdesk.emulator.actor import CUSTOM_FIELDS, CUSTOM_STATUSES
from syncd.model import Ref
from tests.connectors.helpdesks import EmulatedHelpdesk, helpdesk_fixtures

INSTANCE = "fd"
HEADER = "X-Syncd-Webhook-Secret"


def settings_for(url: str, **over: Any) -> dict[str, Any]:
    """Settings of syncd's own agent on the emulator."""
    values: dict[str, Any] = {
        "kind": "freshdesk",
        "base_url": url,
        "api_key": "syncd-key",
        "webhook_secret": DEFAULT_SECRET,
        "timeout": 1.0,
        "custom_statuses": dict(CUSTOM_STATUSES),
        "custom_fields": dict(CUSTOM_FIELDS),
    }
    values.update(over)
    return values


class FreshdeskHarness(EmulatedHelpdesk[FreshdeskConnector]):
    """Acts as the humans of a Freshdesk account over the emulator's API."""

    instance = INSTANCE
    wrong_credential = {"api_key": "wrong"}

    def __init__(self, emu: FreshdeskEmulator, url: str) -> None:
        agent = httpx.Client(base_url=url, timeout=5.0, auth=("agent-key", "X"))
        super().__init__(emu, url, httpx.Client(timeout=5.0), agent)

    def connect(self, http: httpx.Client | None, **over: Any) -> FreshdeskConnector:
        return factory(INSTANCE, settings_for(self.url, **over), http)

    def human_create(self, title: str, body: str = "", **kw: Any) -> Ref:
        ticket = {"subject": title, "description": f"<div>{body or title}</div>", **kw}
        ticket.setdefault("requester_id", self.emu.customer.id)
        resp = self.agent.post("/api/v2/tickets", json=ticket)
        resp.raise_for_status()
        return Ref.ticket(INSTANCE, resp.json()["id"])

    def human_comment(self, parent: Ref, body: str, *, public: bool) -> Ref:
        kind = "reply" if public else "notes"
        resp = self.agent.post(
            f"/api/v2/tickets/{parent.key}/{kind}", json={"body": f"<div>{body}</div>"}
        )
        resp.raise_for_status()
        return Ref.comment(INSTANCE, resp.json()["id"])

    def forged(self, headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
        """Freshdesk signs nothing: a forged delivery is one with a guessed secret."""
        return {**headers, HEADER: "guessed"}, body

    def ref(self, ticket_id: int) -> Ref:
        return Ref.ticket(INSTANCE, ticket_id)


served, harness = helpdesk_fixtures(lambda: build(rate_limit=100_000), FreshdeskHarness)
