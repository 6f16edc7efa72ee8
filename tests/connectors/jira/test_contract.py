"""The shared tracker contract against both flavours of the emulated Jira."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.jira import JiraConnector
from syncd.model import Ref
from tests.connectors.contract import TrackerContract
from tests.connectors.jira.conftest import Served
from tests.connectors.kit import last_delivery


class Harness:
    """Developers acting through Jira's REST API with their own accounts."""

    project = "WID"

    def __init__(self, served: Served) -> None:
        self.served = served
        self.connector: JiraConnector = served.connector()
        self.http = served.human()

    def bad_auth(self) -> JiraConnector:
        if self.served.flavour == "cloud":
            return self.served.connector(api_token="wrong")
        return self.served.connector(pat="wrong")

    def _body(self, text: str) -> Any:
        if self.served.flavour == "cloud":
            para = {"type": "paragraph", "content": [{"type": "text", "text": text}]}
            return {"type": "doc", "version": 1, "content": [para]}
        return text

    def human_create(self, title: str, body: str = "", **kw: Any) -> Ref:
        fields = {
            "project": {"key": self.project},
            "issuetype": {"name": "Bug"},
            "summary": title,
            "description": self._body(body or title),
        }
        resp = self.http.post("issue", json={"fields": fields | kw})
        resp.raise_for_status()
        return Ref.issue("jira", resp.json()["key"])

    def human_comment(self, parent: Ref, body: str, *, public: bool) -> Ref:
        payload: dict[str, Any] = {"body": self._body(body)}
        if not public:
            payload["visibility"] = {"type": "role", "value": "Developers"}
        resp = self.http.post(f"issue/{parent.key}/comment", json=payload)
        resp.raise_for_status()
        issue_id = resp.json()["self"].split("/issue/")[1].split("/")[0]
        return Ref.comment("jira", f"{issue_id}/{resp.json()['id']}")

    def last_webhook(self) -> tuple[dict[str, str], bytes] | None:
        return last_delivery(self.served.emu.control.webhooks)

    def missing(self) -> Ref:
        return Ref.issue("jira", "WID-99999")


class TestJiraContract(TrackerContract):
    """The contract against each flavour."""

    @pytest.fixture
    def harness(self, served: Served) -> Harness:
        return Harness(served)
