"""End-to-end fixtures: the daemon and the emulators over real HTTP on loopback.

``start_sandbox(**settings)`` starts one in the test's folder (any of ``Sandbox``'s settings)
and stops it when the test ends; a test that takes ``delivered`` runs twice, with webhooks
(and a slow safety poll) and by fast polling alone; ``hooked_on_store(**settings)`` starts
one driven by webhooks alone on the store under test (SQLite, or PostgreSQL where it runs);
``hooked`` (the suite's own) is one with webhooks and the default settings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from syncd.testing.sandbox import Sandbox

from .driven import Driven
from .workflow_helpers import StartSandbox, delivery


@pytest.fixture
def start_sandbox(request: pytest.FixtureRequest, tmp_path: Path) -> StartSandbox:
    """Start the daemon and its emulators with these settings; stopped when the test ends,
    then what ``closing`` names is closed (the actors of real servers)."""

    def start(*, closing: tuple[Callable[[], object], ...] = (), **settings: Any) -> Sandbox:
        box = Sandbox(folder=tmp_path, **settings)

        def stop() -> None:
            try:
                box.stop()
            finally:
                for close in closing:
                    close()

        request.addfinalizer(stop)
        box.start()
        return box

    return start


@pytest.fixture(params=["webhooks", "polling"])
def delivered(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The test runs twice: with webhooks, and by polling alone."""
    return delivery(request.param == "webhooks")


@pytest.fixture
def hooked_on_store(store_url: str, start_sandbox: StartSandbox) -> StartSandbox:
    """Start one driven by webhooks alone (polls hourly), on the store under test."""

    def start(**settings: Any) -> Sandbox:
        store = {"store": {"url": store_url}}
        return start_sandbox(webhooks=True, poll_interval=3600.0, extra=store, **settings)

    return start


@pytest.fixture
def sandbox(start_sandbox: StartSandbox, delivered: dict[str, Any]) -> Sandbox:
    """Zendesk + GitHub emulators and the daemon; once with webhooks, once polling only."""
    return start_sandbox(**delivered)


@pytest.fixture
def driven(tmp_path: Path) -> Iterator[Callable[..., Driven]]:
    """``driven(name, **sandbox)``: a daemon driven by hand (``tests/e2e/driven.py``) in a
    folder of its own; all are stopped when the test ends."""
    made: list[Driven] = []

    def make(name: str, **sandbox: Any) -> Driven:
        made.append(Driven(tmp_path / name, **sandbox))
        return made[-1]

    yield make
    for d in made:
        d.stop()
