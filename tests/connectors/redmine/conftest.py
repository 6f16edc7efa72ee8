"""Fixtures of the Redmine tests: a real Redmine 5 (Debian's package) on 127.0.0.1.

The server is started once per session through ``tests/realservers/redmine.sh`` (which
installs the Debian packages itself when they are missing). When it cannot start, the tests
are skipped with the reason printed loudly (``SYNCD_REDMINE_REQUIRED=1`` turns the skip into
a failure, for CI). Redmine has no emulator: the real server is the test target.
"""

from __future__ import annotations

from tests.connectors.kit import real_server_fixtures
from tests.realservers.redmine_server import started_or_skip

from .harness import RedmineHarness

real_server, info, harness = real_server_fixtures(started_or_skip, RedmineHarness)
