"""Fixtures shared by the GitHub connector tests: an emulator served on loopback."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from connectors.github import GitHubConnector, GitHubSettings
from connectors.github.emulator import GitHubEmulator, build
from syncd.model import IssueDraft
from tests.conftest import SAMPLES
from tests.connectors.trackers import tracker_fixtures

GITHUB_SAMPLES = SAMPLES / "github"
SECRET = "emulated-webhook-secret"
BOT, DEV = "syncd-bot", "dev-alice"
TOKENS = {"syncd-token": BOT, "dev-token": DEV}
REPO = "acme/widgets"


def make_settings(base_url: str, **kw: Any) -> GitHubSettings:
    """Settings pointing at the emulator, without GitHub's request spacing."""
    values: dict[str, Any] = {
        "base_url": base_url,
        "token": "syncd-token",
        "webhook_secret": SECRET,
        "repositories": [REPO],
        "timeout": 5,
    }
    values.update(kw)
    return GitHubSettings.model_validate(values)


def draft(title: str = "t") -> IssueDraft:
    return IssueDraft(title=title, body="b")


def new_key() -> str:
    return f"k-{uuid.uuid4().hex}"


def connect(base_url: str, **kw: Any) -> GitHubConnector:
    """syncd's connector on the emulator at ``base_url``, settings changed by ``kw``."""
    return GitHubConnector("gh", make_settings(base_url, **kw))


def dev_client(base_url: str) -> httpx.Client:
    """A developer's own HTTP client on the emulator's REST API."""
    return httpx.Client(base_url=base_url, headers={"Authorization": "token dev-token"}, timeout=5)


def fresh() -> GitHubEmulator:
    """An emulator with syncd's and the developer's tokens and no repository yet."""
    return build(webhook_secret=SECRET, tokens=dict(TOKENS))


emulator_server, emu, base_url, connector, dev, served = tracker_fixtures(
    fresh, lambda emu: emu.add_repo(REPO), connect, dev_client
)
