"""Python side of ``mail.sh`` for test suites: start the real mail servers (Dovecot for IMAP,
aiosmtpd for SMTP) and read their ``info.json``.

::

    servers = RealMail.start()        # installs Dovecot and starts both when needed
    port = servers.info["imap_port"]
    ...
    servers.stop()                    # stops them only if this process started them
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve().parent / "mail.sh"


def _runtime_dir() -> Path:
    """Where ``mail.sh`` keeps everything (it says: one folder per checkout, under $TMPDIR)."""
    out = subprocess.run(["bash", str(SCRIPT), "dir"], capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def _env() -> dict[str, str]:
    # the SMTP server runs on the Python running the tests, which has aiosmtpd (dev deps)
    return {**os.environ, "SYNCD_MAIL_PYTHON": os.environ.get("SYNCD_MAIL_PYTHON", sys.executable)}


def _status() -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), "status"], capture_output=True, text=True)


@dataclass
class RealMail:
    """The running mail servers and what ``info.json`` says about them."""

    info: dict[str, Any]
    started_here: bool

    @classmethod
    def start(cls, timeout: float = 600.0) -> RealMail:
        """Run ``mail.sh start``; RuntimeError with the script's last words if it fails."""
        running = _status()
        t0 = time.monotonic()
        proc = subprocess.run(
            ["bash", str(SCRIPT), "start"],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_env(),
        )
        if proc.returncode != 0:
            raise RuntimeError(f"mail.sh start failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        info = json.loads((_runtime_dir() / "info.json").read_text())
        info["fixture_seconds"] = round(time.monotonic() - t0, 1)
        return cls(info=info, started_here=running.returncode != 0)

    def user(self, name: str) -> dict[str, Any]:
        """``{"password", "address", "addresses"}`` of a mailbox user."""
        found: dict[str, Any] = self.info["users"][name]
        return found

    def stop(self) -> None:
        """Stop the servers if this process started them (``SYNCD_MAIL_KEEP=1`` keeps them)."""
        if self.started_here and os.environ.get("SYNCD_MAIL_KEEP") != "1":
            subprocess.run(["bash", str(SCRIPT), "stop"], capture_output=True, timeout=60)


_failure: list[str] = []


def started_or_skip() -> RealMail:
    """Start the mail servers for a test session; when they cannot start, skip the calling
    tests with the reason printed loudly, or fail them under ``SYNCD_MAIL_REQUIRED=1``."""
    import pytest

    if not _failure:
        try:
            return RealMail.start()
        except Exception as exc:  # any failure to start means: skip, loudly
            _failure.append(f"the real mail servers could not start: {exc}")
            banner = "=" * 78
            print(f"\n{banner}\nSKIPPING real-mail tests: {_failure[0]}\n{banner}",
                  file=sys.__stderr__)  # fmt: skip
    if os.environ.get("SYNCD_MAIL_REQUIRED") == "1":
        pytest.fail(_failure[0])
    pytest.skip(_failure[0])
