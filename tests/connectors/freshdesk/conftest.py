"""Fixtures of the Freshdesk connector tests: an emulator served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from connectors.freshdesk import FreshdeskConnector, factory
from connectors.freshdesk.emulator import DEFAULT_SECRET, FreshdeskEmulator, build
from connectors.freshdesk.emulator.actor import CUSTOM_FIELDS, CUSTOM_STATUSES
from syncd.model import Ref
from syncd.testing.server import ServerThread
from tests.connectors.kit import last_delivery

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


class FreshdeskHarness:
    """Acts as the humans of a Freshdesk account over the emulator's API."""

    project = ""

    def __init__(self, emu: FreshdeskEmulator, url: str) -> None:
        self.emu = emu
        self.url = url
        self.http = httpx.Client(timeout=5.0)
        self.connector: FreshdeskConnector = factory(INSTANCE, settings_for(url), self.http)
        self.agent = httpx.Client(base_url=url, timeout=5.0, auth=("agent-key", "X"))
        self._spare: list[FreshdeskConnector] = []

    def bad_auth(self) -> FreshdeskConnector:
        conn = factory(INSTANCE, settings_for(self.url, api_key="wrong"), None)
        self._spare.append(conn)
        return conn

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

    def last_webhook(self) -> tuple[dict[str, str], bytes] | None:
        return last_delivery(self.emu.control.webhooks)

    def forged(self, headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
        """Freshdesk signs nothing: a forged delivery is one with a guessed secret."""
        return {**headers, HEADER: "guessed"}, body

    def missing(self) -> Ref:
        return Ref.ticket(INSTANCE, 987654321)

    def ref(self, ticket_id: int) -> Ref:
        return Ref.ticket(INSTANCE, ticket_id)

    def close(self) -> None:
        self.connector.close()
        self.http.close()
        self.agent.close()
        for conn in self._spare:
            conn.close()


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[FreshdeskEmulator, str]]:
    """One emulator per module, served over real HTTP on loopback."""
    emu = build(rate_limit=100_000)
    with ServerThread(emu.app) as srv:
        yield emu, srv.url
    emu.control.webhooks.close()


@pytest.fixture
def harness(served: tuple[FreshdeskEmulator, str]) -> Iterator[FreshdeskHarness]:
    """A fresh connector and human clients; faults cleared afterwards."""
    emu, url = served
    h = FreshdeskHarness(emu, url)
    yield h
    emu.control.faults.clear()
    h.close()
