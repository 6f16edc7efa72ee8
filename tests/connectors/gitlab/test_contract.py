"""The shared tracker contract against the GitLab emulator, acted on by a developer over its
REST API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from typing import Any

import httpx
import pytest

from connectors.gitlab import GitLabConnector
from connectors.gitlab.emulator import GitLabEmulator
from syncd.model import Ref
from tests.connectors.contract import TrackerContract
from tests.connectors.trackers import DevHarness

from .conftest import ENCODED, PROJECT, connect


class Harness(DevHarness):
    """Acts as a developer through the emulator's REST API with the developer's token."""

    project = PROJECT

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

    def forged(self, headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
        """GitLab does not sign the body: a forged delivery is one with a wrong token."""
        return {**headers, "X-Gitlab-Token": "guessed"}, body


@pytest.fixture
def harness(
    emu: GitLabEmulator, base_url: str, connector: GitLabConnector, dev: httpx.Client
) -> Iterator[Harness]:
    with closing(Harness(emu, base_url, connector, dev, connect)) as h:
        yield h


class TestGitLabContract(TrackerContract):
    """Every tracker's contract."""
