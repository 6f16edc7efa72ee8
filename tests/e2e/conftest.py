"""End-to-end fixtures: the daemon and the emulators over real HTTP on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncd.testing.sandbox import Sandbox


@pytest.fixture(params=["webhooks", "polling"])
def sandbox(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Sandbox]:
    """Zendesk + GitHub emulators and the daemon; once with webhooks, once polling only."""
    webhooks = request.param == "webhooks"
    sb = Sandbox(folder=tmp_path, webhooks=webhooks, poll_interval=60.0 if webhooks else 0.5)
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()
