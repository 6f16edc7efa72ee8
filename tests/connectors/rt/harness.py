"""Test harness for the Request Tracker connector: the same code drives a real RT started by
``tests/realservers/rt.sh`` and the in-process emulator.

The harness acts as the human agent ("alice") through REST2 with her own token, never through
syncd's code; syncd's connector uses the "syncd" account.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from connectors.rt import RTConnector, RTSettings
from syncd.model import Ref

INSTANCE = "rt-test"


@dataclass
class RTTarget:
    """Where an RT answers and with which accounts."""

    kind: str  # "real" or "emulator"
    base_url: str
    syncd_token: str
    agent_token: str
    agent_user: str
    agent_password: str
    webhook_secret: str
    restricted_queue: str = "Restricted"
    last_webhook: Callable[[], tuple[dict[str, str], bytes] | None] = lambda: None
    extra: dict[str, Any] = field(default_factory=dict)

    def settings(self, **overrides: Any) -> RTSettings:
        values: dict[str, Any] = {
            "kind": "rt",
            "base_url": self.base_url,
            "token": self.syncd_token,
            "webhook_secret": self.webhook_secret,
            "queues": ["General", "Support"],
            "timeout": 15.0,
        }
        values.update(overrides)
        return RTSettings.model_validate(values)

    def connector(self, **overrides: Any) -> RTConnector:
        return RTConnector(INSTANCE, self.settings(**overrides), httpx.Client(timeout=15.0))

    def agent(self) -> httpx.Client:
        """An HTTP client authenticated as the human agent."""
        return httpx.Client(
            base_url=f"{self.base_url}/REST/2.0",
            headers={"Authorization": f"token {self.agent_token}"},
            timeout=15.0,
        )


class RTHarness:
    """The contract's Harness for one RT target."""

    project = ""

    def __init__(self, target: RTTarget) -> None:
        self.target = target
        self.connector = target.connector()
        self.human = target.agent()

    def bad_auth(self) -> RTConnector:
        # the shape of a real token, for a user and secret RT never issued
        return self.target.connector(token="1-999-" + "0" * 32, username="syncd")

    def human_create(self, title: str, body: str = "", **kw: Any) -> Ref:
        payload = {
            "Queue": kw.get("queue", "General"),
            "Subject": title,
            "Content": body or f"{title} (body)",
            "ContentType": "text/plain",
            "Requestor": kw.get("requester", "carol@example.com"),
        }
        if "fields" in kw:
            payload["CustomFields"] = kw["fields"]
        resp = self.human.post("/ticket", json=payload)
        assert resp.status_code == 201, resp.text
        return Ref.ticket(INSTANCE, resp.json()["id"])

    def human_comment(self, parent: Ref, body: str, *, public: bool) -> Ref:
        what = "correspond" if public else "comment"
        resp = self.human.post(
            f"/ticket/{parent.key}/{what}", json={"Content": body, "ContentType": "text/plain"}
        )
        assert resp.status_code == 201, resp.text
        return Ref.comment(INSTANCE, resp.headers["Location"].rsplit("/", 1)[-1])

    def last_webhook(self) -> tuple[dict[str, str], bytes] | None:
        return self.target.last_webhook()

    def missing(self) -> Ref:
        return Ref.ticket(INSTANCE, 987654)

    def close(self) -> None:
        self.connector.close()
        self.human.close()
