"""The tracker contract against real mail servers (``tests/realservers/mail.sh``).

What does not apply to mail, and why (the contract skips it by capability):
- webhooks: mail has none; IMAP IDLE wakes the poll instead (``test_connector.py``);
- editing and deleting comments: a mail that was sent cannot be changed or taken back.
"""

from __future__ import annotations

import pytest

from tests.connectors.contract import TrackerContract

pytestmark = pytest.mark.realserver


class TestEmailContract(TrackerContract):
    """The ``harness`` fixture comes from this folder's conftest."""
