"""The shared tracker contract against the GitLab emulator, acted on by a developer over its
REST API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from connectors.gitlab import GitLabConnector
from connectors.gitlab.emulator import GitLabEmulator
from syncd.connector import Connector
from syncd.model import Ref
from tests.connectors.contract import TrackerContract
from tests.connectors.kit import last_delivery

from .conftest import ENCODED, PROJECT, make_settings


class Harness:
    """Acts as a developer through the emulator's REST API with the developer's token."""

    project = PROJECT

    def __init__(self, emu: GitLabEmulator, base_url: str, connector: GitLabConnector) -> None:
        self.emu = emu
        self.base_url = base_url
        self.connector: Connector = connector
        self.http = httpx.Client(
            base_url=f"{base_url}/api/v4", headers={"PRIVATE-TOKEN": "dev-token"}, timeout=5
        )
        self._spare: list[GitLabConnector] = []

    def bad_auth(self) -> Connector:
        conn = GitLabConnector("gl", make_settings(self.base_url, token="wrong-token"))
        self._spare.append(conn)
        return conn

    def human_create(self, title: str, body: str = "", **kw: Any) -> Ref:
        payload = {"title": title, "description": body, **kw}
        resp = self.http.post(f"/projects/{ENCODED}/issues", json=payload)
        resp.raise_for_status()
        return Ref.issue("gl", f"{PROJECT}#{resp.json()['iid']}")

    def human_comment(self, parent: Ref, body: str, *, public: bool) -> Ref:
        iid = parent.key.rsplit("#", 1)[1]
        resp = self.http.post(
            f"/projects/{ENCODED}/issues/{iid}/notes", json={"body": body, "internal": not public}
        )
        resp.raise_for_status()
        return Ref.comment("gl", f"{parent.key}/note-{resp.json()['id']}")

    def last_webhook(self) -> tuple[dict[str, str], bytes] | None:
        return last_delivery(self.emu.control.webhooks)

    def forged(self, headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
        """GitLab does not sign the body: a forged delivery is one with a wrong token."""
        return {**headers, "X-Gitlab-Token": "guessed"}, body

    def missing(self) -> Ref:
        return Ref.issue("gl", f"{PROJECT}#999999")

    def close(self) -> None:
        self.http.close()
        for conn in self._spare:
            conn.close()


@pytest.fixture
def harness(emu: GitLabEmulator, base_url: str, connector: GitLabConnector) -> Iterator[Harness]:
    h = Harness(emu, base_url, connector)
    yield h
    h.close()


class TestGitLabContract(TrackerContract):
    """Every tracker's contract."""
