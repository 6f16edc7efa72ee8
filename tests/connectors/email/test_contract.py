"""The tracker contract against real mail servers (``tests/realservers/mail.sh``) and against
the built-in mail emulator (``connectors/email/emulator``), which must answer alike.

What does not apply to mail, and why (the contract skips it by capability):
- webhooks: mail has none; IMAP IDLE wakes the poll instead (``test_connector.py``);
- editing and deleting comments: a mail that was sent cannot be changed or taken back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.email.emulator import MailEmulator, build
from tests.connectors.contract import TrackerContract


@pytest.fixture(scope="module")
def emulated_mail() -> Iterator[MailEmulator]:
    emulator = build()
    yield emulator
    emulator.close()


@pytest.fixture(params=[pytest.param("real", marks=pytest.mark.realserver), "emulator"])
def info(request: pytest.FixtureRequest) -> dict[str, Any]:
    """What the servers' ``info.json`` says, from the real servers or the emulator."""
    if request.param == "real":
        found: dict[str, Any] = request.getfixturevalue("real_server").info
        return found
    return request.getfixturevalue("emulated_mail").info()  # type: ignore[no-any-return]


class TestEmailContract(TrackerContract):
    """The ``harness`` fixture comes from this folder's conftest."""
