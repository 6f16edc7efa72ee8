"""Fixtures of the e-mail connector tests: real mail servers on 127.0.0.1.

Dovecot (Debian's package) serves IMAP and aiosmtpd (a dev dependency) SMTP, both started
once per session through ``tests/realservers/mail.sh``. When they cannot start, the tests are
skipped with the reason printed loudly (``SYNCD_MAIL_REQUIRED=1`` turns the skip into a
failure, for CI). Mail has no emulator: the real servers are the test target.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.realservers.mail_server import RealMail, started_or_skip

from .harness import EmailHarness


@pytest.fixture(scope="session")
def mail_servers() -> Iterator[RealMail]:
    """The real mail servers, or a loud skip (a failure under ``SYNCD_MAIL_REQUIRED=1``)."""
    servers = started_or_skip()
    yield servers
    servers.stop()


@pytest.fixture
def info(mail_servers: RealMail) -> dict[str, Any]:
    """What ``info.json`` says: ports, users, passwords, addresses, the CA file."""
    return mail_servers.info


@pytest.fixture
def harness(info: dict[str, Any]) -> Iterator[EmailHarness]:
    h = EmailHarness(info)
    yield h
    h.close()
