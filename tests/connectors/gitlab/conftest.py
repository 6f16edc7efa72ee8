"""Fixtures shared by the GitLab connector tests: an emulator served on loopback."""

from __future__ import annotations

from typing import Any

import httpx

from connectors.gitlab import GitLabConnector, GitLabSettings
from connectors.gitlab.emulator import GitLabEmulator, build
from tests.conftest import SAMPLES
from tests.connectors.trackers import tracker_fixtures

GITLAB_SAMPLES = SAMPLES / "gitlab"
SECRET = "emulated-webhook-token"
BOT, DEV = "syncd-bot", "dev-alice"
TOKENS = {"syncd-token": BOT, "dev-token": DEV}
PROJECT = "acme/widgets"
ENCODED = "acme%2Fwidgets"


def make_settings(base_url: str, **kw: Any) -> GitLabSettings:
    """Settings pointing at the emulator."""
    values: dict[str, Any] = {
        "base_url": base_url,
        "token": "syncd-token",
        "webhook_secret": SECRET,
        "projects": [PROJECT],
        "timeout": 5,
    }
    values.update(kw)
    return GitLabSettings.model_validate(values)


def connect(base_url: str, **kw: Any) -> GitLabConnector:
    """syncd's connector on the emulator at ``base_url``, settings changed by ``kw``."""
    return GitLabConnector("gl", make_settings(base_url, **kw))


def dev_client(base_url: str) -> httpx.Client:
    """A developer's own HTTP client on the emulator's REST API."""
    return httpx.Client(
        base_url=f"{base_url}/api/v4", headers={"PRIVATE-TOKEN": "dev-token"}, timeout=5
    )


def fresh() -> GitLabEmulator:
    """An emulator with syncd's and the developer's tokens and no project yet."""
    return build(webhook_secret=SECRET, tokens=dict(TOKENS))


emulator_server, emu, base_url, connector, dev, served = tracker_fixtures(
    fresh, lambda emu: emu.add_project(PROJECT), connect, dev_client
)
