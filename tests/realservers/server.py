"""What the Python side of every script here shares: run ``<script>.sh start|status|reset|stop``,
read the ``info.json`` the script writes, and skip the tests that need the server, loudly,
when it cannot start (or fail them when ``SYNCD_<NAME>_REQUIRED=1``, as CI sets).

::

    class RealThing(RealServer):
        SCRIPT = Path(__file__).resolve().parent / "thing.sh"
        LABEL, ENV = "the real Thing", "SYNCD_THING"

    server = RealThing.started_or_skip()   # installs, builds and starts when needed
    ...
    server.stop()                          # only if this process started it
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self


@dataclass
class RealServer:
    """A running real server and what its ``info.json`` says about it."""

    SCRIPT: ClassVar[Path]
    LABEL: ClassVar[str]  # for messages: "the real Redmine"
    ENV: ClassVar[str]  # the prefix of its variables: ``_DIR``, ``_KEEP``, ``_REQUIRED``
    START_TIMEOUT: ClassVar[float] = 600.0
    _failure: ClassVar[dict[str, str]] = {}  # why a server could not start, by ENV

    info: dict[str, Any]
    started_here: bool

    @classmethod
    def script(cls, *args: str, timeout: float | None = None) -> subprocess.CompletedProcess[str]:
        """``bash <script> args...``, its output captured."""
        return subprocess.run(
            ["bash", str(cls.SCRIPT), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=cls.environment(),
        )

    @classmethod
    def environment(cls) -> dict[str, str]:
        """The script's environment: this process's."""
        return dict(os.environ)

    @classmethod
    def runtime_dir(cls) -> Path:
        """Where the script keeps its server: ``<ENV>_DIR``, or ``.<name>`` beside it."""
        return Path(os.environ.get(f"{cls.ENV}_DIR") or cls.SCRIPT.parent / f".{cls.SCRIPT.stem}")

    @classmethod
    def read_info(cls) -> dict[str, Any]:
        info: dict[str, Any] = json.loads((cls.runtime_dir() / "info.json").read_text())
        return info

    @classmethod
    def start(cls, timeout: float | None = None) -> Self:
        """Run ``start``; RuntimeError with the script's last words if it fails."""
        running = cls.script("status")
        t0 = time.monotonic()
        proc = cls.script("start", timeout=timeout or cls.START_TIMEOUT)
        if proc.returncode != 0:
            name = cls.SCRIPT.name
            raise RuntimeError(f"{name} start failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        info = cls.read_info()
        info["fixture_seconds"] = round(time.monotonic() - t0, 1)
        return cls(info=info, started_here=running.returncode != 0)

    @classmethod
    def running(cls) -> dict[str, Any] | None:
        """What ``info.json`` says about the server when one runs, else None."""
        return cls.read_info() if cls.script("status").returncode == 0 else None

    @classmethod
    def started_or_skip(cls) -> Self:
        """Start the server for a test session; when it cannot start, skip the calling tests
        with the reason printed loudly, or fail them under ``<ENV>_REQUIRED=1``."""
        import pytest

        if cls.ENV not in cls._failure:
            try:
                return cls.start()
            except Exception as exc:  # any failure to start means: skip, loudly
                why = cls._failure[cls.ENV] = f"{cls.LABEL} could not start: {exc}"
                banner = "=" * 78
                print(f"\n{banner}\nSKIPPING tests: {why}\n{banner}", file=sys.__stderr__)
        if os.environ.get(f"{cls.ENV}_REQUIRED") == "1":
            pytest.fail(cls._failure[cls.ENV])
        pytest.skip(cls._failure[cls.ENV])

    @property
    def base_url(self) -> str:
        return str(self.info["base_url"])

    def reset(self) -> None:
        """Back to the pristine database (the server restarts; credentials stay valid)."""
        self.script("reset").check_returncode()
        self.info = self.read_info()

    def stop(self) -> None:
        """Stop the server if this process started it (``<ENV>_KEEP=1`` keeps it)."""
        if self.started_here and os.environ.get(f"{self.ENV}_KEEP") != "1":
            self.script("stop", timeout=60)
