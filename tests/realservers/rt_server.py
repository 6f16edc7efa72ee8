"""Python side of ``rt.sh`` for test suites: start the real Request Tracker, read its
``info.json``, and receive the notices of its syncd Scrip.

::

    server = RealRT.start()           # installs, builds and starts when needed
    receiver = NoticeReceiver(server.notify_port).start()
    ...
    receiver.stop(); server.stop()    # stops RT only if this process started it
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve().parent / "rt.sh"


def _runtime_dir() -> Path:
    return Path(os.environ.get("SYNCD_RT_DIR") or SCRIPT.parent / ".rt")


@dataclass
class RealRT:
    """A running real RT and what ``info.json`` says about it."""

    info: dict[str, Any]
    started_here: bool

    @classmethod
    def start(cls, timeout: float = 600.0) -> RealRT:
        """Run ``rt.sh start``; raise RuntimeError with the script's last words if it fails."""
        running = subprocess.run(["bash", str(SCRIPT), "status"], capture_output=True, text=True)
        t0 = time.monotonic()
        proc = subprocess.run(
            ["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=timeout
        )
        if proc.returncode != 0:
            raise RuntimeError(f"rt.sh start failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        info = json.loads((_runtime_dir() / "info.json").read_text())
        info["fixture_seconds"] = round(time.monotonic() - t0, 1)
        return cls(info=info, started_here=running.returncode != 0)

    @staticmethod
    def running() -> dict[str, Any] | None:
        """What ``info.json`` says about the server when one runs, else None."""
        status = subprocess.run(["bash", str(SCRIPT), "status"], capture_output=True, text=True)
        if status.returncode != 0:
            return None
        info: dict[str, Any] = json.loads((_runtime_dir() / "info.json").read_text())
        return info

    @property
    def base_url(self) -> str:
        return str(self.info["base_url"])

    @property
    def notify_port(self) -> int:
        return int(self.info["notify_port"])

    def reset(self) -> None:
        """Back to the pristine database (the server restarts; tokens stay valid)."""
        subprocess.run(["bash", str(SCRIPT), "reset"], check=True, capture_output=True)
        self.info = json.loads((_runtime_dir() / "info.json").read_text())

    def stop(self) -> None:
        """Stop the server if this process started it (``SYNCD_RT_KEEP=1`` keeps it)."""
        if self.started_here and os.environ.get("SYNCD_RT_KEEP") != "1":
            subprocess.run(["bash", str(SCRIPT), "stop"], capture_output=True, timeout=60)


class NoticeReceiver:
    """A tiny HTTP server on 127.0.0.1 that records the notices RT's Scrip posts."""

    def __init__(self, port: int) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self._lock = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.received.append((dict(self.headers.items()), body))
                    receiver._lock.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> NoticeReceiver:
        self.thread.start()
        return self

    def last(self) -> tuple[dict[str, str], bytes] | None:
        with self._lock:
            return self.received[-1] if self.received else None

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0
    ) -> tuple[dict[str, str], bytes] | None:
        """The first notice whose JSON body satisfies ``predicate``."""
        with self._lock:
            found = self._lock.wait_for(lambda: self._find(predicate), timeout)
            return self._find(predicate) if found else None

    def _find(
        self, predicate: Callable[[dict[str, Any]], bool]
    ) -> tuple[dict[str, str], bytes] | None:
        for headers, body in self.received:
            try:
                if predicate(json.loads(body)):
                    return headers, body
            except ValueError:
                continue
        return None

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
