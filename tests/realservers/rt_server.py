"""Python side of ``rt.sh`` for test suites: start the real Request Tracker, read its
``info.json``, and receive the notices of its syncd Scrip.

::

    server = RealRT.started_or_skip()  # installs, builds and starts when needed
    receiver = NoticeReceiver(server.notify_port).start()
    ...
    receiver.stop(); server.stop()     # stops RT only if this process started it
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .server import RealServer


class RealRT(RealServer):
    """A running real RT (``SYNCD_RT_DIR``, ``SYNCD_RT_KEEP``, ``SYNCD_RT_REQUIRED``)."""

    SCRIPT = Path(__file__).resolve().parent / "rt.sh"
    LABEL, ENV = "the real Request Tracker", "SYNCD_RT"

    @property
    def notify_port(self) -> int:
        return int(self.info["notify_port"])


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
