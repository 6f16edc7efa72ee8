"""Fixtures shared by the GitLab connector tests: an emulator served on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.gitlab import GitLabConnector, GitLabSettings
from connectors.gitlab.emulator import GitLabEmulator, build
from syncd.testing.server import ServerThread
from tests.conftest import SAMPLES

GITLAB_SAMPLES = SAMPLES / "gitlab"
SECRET = "emulated-webhook-token"
BOT, DEV = "syncd-bot", "dev-alice"
TOKENS = {"syncd-token": BOT, "dev-token": DEV}
PROJECT = "acme/widgets"
ENCODED = "acme%2Fwidgets"


def load(path: Path) -> Any:
    """A JSON file of the vendor samples."""
    return json.loads(path.read_text())


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[tuple[GitLabEmulator, ServerThread]]:
    """One emulator per test session, served over real HTTP on 127.0.0.1."""
    emu = build(webhook_secret=SECRET, tokens=dict(TOKENS))
    emu.add_project(PROJECT)
    with ServerThread(emu.app) as srv:
        yield emu, srv


@pytest.fixture
def emu(emulator_server: tuple[GitLabEmulator, ServerThread]) -> Iterator[GitLabEmulator]:
    """The shared emulator with faults and spent budgets cleared after each test."""
    emulator, _ = emulator_server
    yield emulator
    emulator.control.faults.clear()
    emulator.control.budget.used.clear()


@pytest.fixture
def base_url(emulator_server: tuple[GitLabEmulator, ServerThread]) -> str:
    return emulator_server[1].url


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


@pytest.fixture
def connector(base_url: str) -> Iterator[GitLabConnector]:
    conn = GitLabConnector("gl", make_settings(base_url))
    yield conn
    conn.close()


@pytest.fixture
def dev(base_url: str) -> Iterator[httpx.Client]:
    """A developer's own HTTP client on the emulator's REST API."""
    with httpx.Client(
        base_url=f"{base_url}/api/v4", headers={"PRIVATE-TOKEN": "dev-token"}, timeout=5
    ) as client:
        yield client
