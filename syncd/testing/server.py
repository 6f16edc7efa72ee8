"""Serve an ASGI app with uvicorn on loopback from a background thread.

Used by the tests, the benchmarks and ``syncd demo`` to run emulators and the daemon over
real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import deque
from typing import Any

import uvicorn

_LOCK = threading.Lock()


# the ports free_port() handed out, each still bound (not listening) by a socket of ours
_RESERVED: deque[socket.socket] = deque()
_RESERVED_MAX = 256  # the oldest is let go: its server has long since bound the port


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on, kept from being taken until a server
    listens on it.

    A port that is only found free can be taken before its server binds it: by another
    server, or by the local end of any outgoing connection, since both draw from the same
    ephemeral range (a sandbox makes dozens of connections between choosing the daemon's
    port and serving on it). So the port stays bound by a socket of ours, with
    ``SO_REUSEADDR`` and not listening: Linux then gives it to no outgoing connection and
    refuses other binds, but lets a server that also sets ``SO_REUSEADDR`` (uvicorn does, in
    this process or another) bind it and listen."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    with _LOCK:
        _RESERVED.append(s)
        while len(_RESERVED) > _RESERVED_MAX:
            _RESERVED.popleft().close()
    return int(s.getsockname()[1])


class ServerThread:
    """``with ServerThread(app) as srv: httpx.get(srv.url + "/healthz")``."""

    def __init__(
        self, app: Any, port: int = 0, *, host: str = "127.0.0.1", log_level: str = "warning"
    ) -> None:
        self.host = host
        self.port = port or free_port()
        config = uvicorn.Config(
            app, host=host, port=self.port, log_level=log_level, access_log=False, lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, name=f"uvicorn-{self.port}", daemon=True)

    def _run(self) -> None:
        self.server.run()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server on port {self.port} did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
