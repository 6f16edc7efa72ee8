"""A daemon in a process of its own for the chaos and cluster tests: ``syncd run -c config``
started, killed with SIGKILL as a power cut would, and started again, against emulators served
by the test process (:func:`separate_daemon`)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from syncd.testing.sandbox import Sandbox
from syncd.testing.server import free_port
from tests.bench.scenario import UNLIMITED

SYNCD = [sys.executable, "-m", "syncd.cli"]


@dataclass
class Daemon:
    """``syncd run -c config`` as a child process that can be killed and started again."""

    config: Path
    port: int
    logs: Path
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    kills: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True) -> None:
        self.starts += 1
        log = (self.logs / f"run-{self.starts:04d}.log").open("wb")
        self.proc = subprocess.Popen(
            [*SYNCD, "run", "-c", str(self.config)], stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        if wait:
            self.wait_serving()

    def wait_serving(self, timeout: float = 120.0) -> None:
        # a bound on a hang, not a speed check: three replicas importing, migrating under one
        # lock and electing on a loaded two-core machine took over 30 s
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"daemon exited with {self.proc.returncode}; see {self.logs}")
            try:
                httpx.get(self.url + "/healthz", timeout=0.5)
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise TimeoutError("daemon did not answer /healthz")

    def kill(self) -> None:
        """SIGKILL: no cleanup, no grace, as the kernel's OOM killer or a power cut would."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.kills += 1

    def stop(self) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return -9

    def errors(self) -> list[str]:
        """Tracebacks the daemon logged (a crash harness still wants no defect)."""
        out = []
        for f in sorted(self.logs.glob("run-*.log")):
            text = f.read_text(errors="replace")
            if "Traceback" in text:
                out.append(f"{f.name}: {text[text.index('Traceback') :][:1500]}")
        return out


def separate_daemon(
    folder: Path,
    *,
    poll_interval: float = 0.5,
    engine: dict[str, Any] | None = None,
    routes: list[dict[str, Any]] | None = None,
) -> tuple[Sandbox, Daemon, str]:
    """Emulators in this process and a config file for a daemon in another one."""
    port = free_port()
    # a soak makes more writes than the vendors' limits allow; limits have their own tests
    sb = Sandbox(
        folder=folder / "sb",
        port=port,
        poll_interval=poll_interval,
        routes=routes,
        build_kwargs=UNLIMITED,
    )
    conf = sb.start_emulators()
    url = f"sqlite:///{folder / 'run.db'}"
    conf["store"]["url"] = url
    conf["server"]["port"] = port
    conf["engine"].update(engine or {})
    conf["log"] = {"level": "info"}
    path = folder / "syncd.yaml"
    path.write_text(yaml.safe_dump(conf))
    logs = folder / "logs"
    logs.mkdir(exist_ok=True)
    return sb, Daemon(path, port, logs), url
