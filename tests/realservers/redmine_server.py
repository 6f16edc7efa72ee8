"""Python side of ``redmine.sh`` for test suites: start the real Redmine and read its
``info.json``.

::

    server = RealRedmine.start()      # installs, builds and starts when needed
    key = server.info["syncd_key"]
    ...
    server.stop()                     # stops Redmine only if this process started it
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

SCRIPT = Path(__file__).resolve().parent / "redmine.sh"


def _runtime_dir() -> Path:
    return Path(os.environ.get("SYNCD_REDMINE_DIR") or SCRIPT.parent / ".redmine")


def _status() -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), "status"], capture_output=True, text=True)


@dataclass
class RealRedmine:
    """A running real Redmine and what ``info.json`` says about it."""

    info: dict[str, Any]
    started_here: bool

    @classmethod
    def start(cls, timeout: float = 900.0) -> RealRedmine:
        """Run ``redmine.sh start``; RuntimeError with the script's last words if it fails."""
        running = _status()
        t0 = time.monotonic()
        proc = subprocess.run(
            ["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=timeout
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"redmine.sh start failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
            )
        info = json.loads((_runtime_dir() / "info.json").read_text())
        info["fixture_seconds"] = round(time.monotonic() - t0, 1)
        return cls(info=info, started_here=running.returncode != 0)

    @staticmethod
    def running() -> dict[str, Any] | None:
        """What ``info.json`` says about the server when one runs, else None."""
        if _status().returncode != 0:
            return None
        info: dict[str, Any] = json.loads((_runtime_dir() / "info.json").read_text())
        return info

    @property
    def base_url(self) -> str:
        return str(self.info["base_url"])

    def reset(self) -> None:
        """Back to the pristine database (the server restarts; API keys stay valid)."""
        subprocess.run(["bash", str(SCRIPT), "reset"], check=True, capture_output=True)
        self.info = json.loads((_runtime_dir() / "info.json").read_text())

    def stop(self) -> None:
        """Stop the server if this process started it (``SYNCD_REDMINE_KEEP=1`` keeps it)."""
        if self.started_here and os.environ.get("SYNCD_REDMINE_KEEP") != "1":
            subprocess.run(["bash", str(SCRIPT), "stop"], capture_output=True, timeout=60)


_failure: list[str] = []


def started_or_skip() -> RealRedmine:
    """Start the real Redmine for a test session; when it cannot start, skip the calling
    tests with the reason printed loudly, or fail them under ``SYNCD_REDMINE_REQUIRED=1``."""
    import pytest

    if not _failure:
        try:
            return RealRedmine.start()
        except Exception as exc:  # any failure to start means: skip, loudly
            _failure.append(f"the real Redmine could not start: {exc}")
            banner = "=" * 78
            print(f"\n{banner}\nSKIPPING real-Redmine tests: {_failure[0]}\n{banner}",
                  file=sys.__stderr__)  # fmt: skip
    if os.environ.get("SYNCD_REDMINE_REQUIRED") == "1":
        pytest.fail(_failure[0])
    pytest.skip(_failure[0])
