"""Python side of ``mail.sh`` for test suites: start the real mail servers (Dovecot for IMAP,
aiosmtpd for SMTP) and read their ``info.json``.

::

    servers = RealMail.started_or_skip()   # installs Dovecot and starts both when needed
    port = servers.info["imap_port"]
    ...
    servers.stop()                         # stops them only if this process started them
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from .server import RealServer


class RealMail(RealServer):
    """The running mail servers (``SYNCD_MAIL_KEEP``, ``SYNCD_MAIL_REQUIRED``)."""

    SCRIPT = Path(__file__).resolve().parent / "mail.sh"
    LABEL, ENV = "the real mail servers", "SYNCD_MAIL"

    @classmethod
    def environment(cls) -> dict[str, str]:
        # the SMTP server runs on the Python running the tests, which has aiosmtpd (dev deps)
        return {
            **os.environ,
            "SYNCD_MAIL_PYTHON": os.environ.get("SYNCD_MAIL_PYTHON", sys.executable),
        }

    @classmethod
    def runtime_dir(cls) -> Path:
        """Where ``mail.sh`` keeps everything (it says: one folder per checkout, under $TMPDIR)."""
        out = cls.script("dir")
        out.check_returncode()
        return Path(out.stdout.strip())

    def user(self, name: str) -> dict[str, Any]:
        """``{"password", "address", "addresses"}`` of a mailbox user."""
        found: dict[str, Any] = self.info["users"][name]
        return found


started_or_skip = RealMail.started_or_skip
