"""The shared helpdesk contract against both flavours of the emulated Jira Service
Management."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.jsm import JsmConnector
from syncd.model import Ref
from tests.connectors.contract import HelpdeskContract
from tests.connectors.jira import test_contract as jira
from tests.connectors.jsm.conftest import Served


class Harness(jira.Harness):
    """A customer raising requests and an agent answering, through the service desk API."""

    project = "HELP"

    def __init__(self, served: Served) -> None:
        super().__init__(served)
        self.connector: JsmConnector = served.connector()
        self.customer = served.human("ada")
        self.agent = self.http

    def human_create(self, title: str, body: str = "", **kw: Any) -> Ref:
        values = {"summary": title, "description": body or title, **kw}
        payload = {"serviceDeskId": "1", "requestTypeId": "10", "requestFieldValues": values}
        resp = self.customer.post("request", json=payload)
        resp.raise_for_status()
        return Ref.ticket("jsm", resp.json()["issueKey"])

    def human_comment(self, parent: Ref, body: str, *, public: bool) -> Ref:
        made = self.agent.post(
            f"request/{parent.key}/comment", json={"body": body, "public": public}
        )
        made.raise_for_status()
        issue_id = made.json()["_links"]["self"].split("/request/")[1].split("/")[0]
        return Ref.comment("jsm", f"{issue_id}/{made.json()['id']}")

    def missing(self) -> Ref:
        return Ref.ticket("jsm", "HELP-99999")


class TestJsmContract(HelpdeskContract):
    """The contract against each flavour."""

    @pytest.fixture
    def harness(self, served: Served) -> Harness:
        return Harness(served)
