"""Python side of ``redmine.sh`` for test suites: start the real Redmine and read its
``info.json``.

::

    server = RealRedmine.started_or_skip()   # installs, builds and starts when needed
    key = server.info["syncd_key"]
    ...
    server.stop()                            # stops Redmine only if this process started it
"""

from __future__ import annotations

from pathlib import Path

from .server import RealServer


class RealRedmine(RealServer):
    """A running real Redmine (``SYNCD_REDMINE_DIR``, ``_KEEP``, ``_REQUIRED``)."""

    SCRIPT = Path(__file__).resolve().parent / "redmine.sh"
    LABEL, ENV = "the real Redmine", "SYNCD_REDMINE"
    START_TIMEOUT = 900.0


started_or_skip = RealRedmine.started_or_skip
