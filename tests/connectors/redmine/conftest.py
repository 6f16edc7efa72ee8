"""Fixtures of the Redmine tests: a real Redmine 5 (Debian's package) on 127.0.0.1.

The server is started once per session through ``tests/realservers/redmine.sh`` (which
installs the Debian packages itself when they are missing). When it cannot start, the tests
are skipped with the reason printed loudly (``SYNCD_REDMINE_REQUIRED=1`` turns the skip into
a failure, for CI). Redmine has no emulator: the real server is the test target.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.realservers.redmine_server import RealRedmine, started_or_skip

from .harness import RedmineHarness


@pytest.fixture(scope="session")
def redmine_server() -> Iterator[RealRedmine]:
    """The real Redmine, or a loud skip (a failure under ``SYNCD_REDMINE_REQUIRED=1``)."""
    server = started_or_skip()
    yield server
    server.stop()


@pytest.fixture
def info(redmine_server: RealRedmine) -> dict[str, Any]:
    """What ``info.json`` says: base URL, API keys, projects, ids."""
    return redmine_server.info


@pytest.fixture
def harness(info: dict[str, Any]) -> Iterator[RedmineHarness]:
    h = RedmineHarness(info)
    yield h
    h.close()
