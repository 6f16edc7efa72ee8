"""The shared contract's harness on the real Redmine: dana, the developer, acts through the
REST API with her own key; syncd's connector acts with the ``syncd`` user's key."""

from __future__ import annotations

from typing import Any

from connectors.redmine import RedmineConnector, RedmineSettings
from syncd.connector import Connector
from syncd.model import Ref
from tests.realservers.redmine_actor import RealRedmineActor

INSTANCE = "redmine"


def settings(info: dict[str, Any], **kw: Any) -> RedmineSettings:
    """The connector's settings on the real server, as syncd's user."""
    base = {"kind": "redmine", "base_url": info["base_url"], "api_key": info["syncd_key"]}
    return RedmineSettings.model_validate({**base, **kw})


class RedmineHarness:
    """What the contract needs, on the real Redmine."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.info = info
        self.project = str(info["project"])
        self.dev = RealRedmineActor(info, INSTANCE)
        self.connector: Connector = RedmineConnector(
            INSTANCE, settings(info, projects=[self.project]), None
        )
        self._spare: list[Connector] = []

    def bad_auth(self) -> Connector:
        conn = RedmineConnector(INSTANCE, settings(self.info, api_key="0" * 40), None)
        self._spare.append(conn)
        return conn

    def human_create(self, title: str, body: str = "", **kw: Any) -> Ref:
        return self.dev.create_issue(self.project, title, body, **kw)

    def human_comment(self, parent: Ref, body: str, *, public: bool) -> Ref:
        return self.dev.comment(parent, body, public=public)

    def last_webhook(self) -> tuple[dict[str, str], bytes] | None:
        return None  # Redmine sends no webhooks

    def missing(self) -> Ref:
        return Ref.issue(INSTANCE, "987654321")

    def close(self) -> None:
        for conn in [self.connector, *self._spare]:
            conn.close()
        self.dev.close()
