"""The helpdesk contract, against a real Request Tracker 5 and against the emulator."""

from __future__ import annotations

from tests.connectors.contract import HelpdeskContract


class TestRTContract(HelpdeskContract):
    """Every contract test runs twice: ``[real]`` (tests/realservers/rt.sh) and ``[emulator]``.

    The ``harness`` fixture comes from this folder's conftest.
    """
