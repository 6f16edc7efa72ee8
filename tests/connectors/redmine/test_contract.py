"""The tracker contract against a real Redmine 5 (``tests/realservers/redmine.sh``)."""

from __future__ import annotations

import pytest

from tests.connectors.contract import TrackerContract

pytestmark = pytest.mark.realserver


class TestRedmineContract(TrackerContract):
    """The ``harness`` fixture comes from this folder's conftest."""
