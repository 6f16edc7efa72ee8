"""Fixtures of the e-mail connector tests: real mail servers on 127.0.0.1.

Dovecot (Debian's package) serves IMAP and aiosmtpd (a dev dependency) SMTP, both started
once per session through ``tests/realservers/mail.sh``. When they cannot start, the tests are
skipped with the reason printed loudly (``SYNCD_MAIL_REQUIRED=1`` turns the skip into a
failure, for CI). Mail has no emulator: the real servers are the test target.
"""

from __future__ import annotations

from tests.connectors.kit import real_server_fixtures
from tests.realservers.mail_server import started_or_skip

from .harness import EmailHarness

real_server, info, harness = real_server_fixtures(started_or_skip, EmailHarness)
