"""Fixtures shared by the GitHub connector tests: an emulator served on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.github import GitHubConnector, GitHubSettings
from connectors.github.emulator import GitHubEmulator, build
from syncd.testing.server import ServerThread
from tests.conftest import SAMPLES

GITHUB_SAMPLES = SAMPLES / "github"
SECRET = "emulated-webhook-secret"
BOT, DEV = "syncd-bot", "dev-alice"
TOKENS = {"syncd-token": BOT, "dev-token": DEV}
REPO = "acme/widgets"


def load(path: Path) -> Any:
    """A JSON file of the vendor samples."""
    return json.loads(path.read_text())


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[tuple[GitHubEmulator, ServerThread]]:
    """One emulator per test session, served over real HTTP on 127.0.0.1."""
    emu = build(webhook_secret=SECRET, tokens=dict(TOKENS))
    emu.add_repo(REPO)
    with ServerThread(emu.app) as srv:
        yield emu, srv


@pytest.fixture
def emu(emulator_server: tuple[GitHubEmulator, ServerThread]) -> Iterator[GitHubEmulator]:
    """The shared emulator with faults cleared after each test."""
    emulator, _ = emulator_server
    yield emulator
    emulator.control.faults.clear()
    emulator.control.budget.used.clear()


@pytest.fixture
def base_url(emulator_server: tuple[GitHubEmulator, ServerThread]) -> str:
    return emulator_server[1].url


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


@pytest.fixture
def connector(base_url: str) -> Iterator[GitHubConnector]:
    conn = GitHubConnector("gh", make_settings(base_url))
    yield conn
    conn.close()


@pytest.fixture
def dev(base_url: str) -> Iterator[httpx.Client]:
    """A developer's own HTTP client on the emulator's REST API."""
    with httpx.Client(
        base_url=base_url, headers={"Authorization": "token dev-token"}, timeout=5
    ) as client:
        yield client
