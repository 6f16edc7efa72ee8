"""Chaos fixtures: the sandbox (emulators + daemon in process) set up for breaking things."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncd.testing.sandbox import Sandbox


@pytest.fixture
def chaos_sb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """Webhooks plus a quick poll as the safety net; short client timeouts so that injected
    timeouts are real client timeouts."""
    monkeypatch.setenv("SYNCD_CONNECTORS__GITHUB__TIMEOUT", "1")
    monkeypatch.setenv("SYNCD_CONNECTORS__ZENDESK__TIMEOUT", "1")
    sb = Sandbox(folder=tmp_path, webhooks=True, poll_interval=1.0)
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()
