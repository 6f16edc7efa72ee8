"""The emulator's IMAP servers on 127.0.0.1: one port that starts in plain text and requires
STARTTLS before LOGIN (Dovecot's ``LOGINDISABLED`` until then), one that speaks TLS from the
first byte (IMAPS). One thread per connection; the commands are in :mod:`.session`.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import ssl
import threading

import structlog

from .routes import Session
from .state import MailStore
from .wire import Closed, Wire

log = structlog.get_logger("syncd.email.emulator")
AUTOLOGOUT = 30 * 60.0  # RFC 3501: at least 30 minutes of inactivity before a server logs out


class _Handler(socketserver.BaseRequestHandler):
    server: IMAPServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(AUTOLOGOUT)
        # an answer is several writes (untagged lines, then the tagged one): without this,
        # Nagle's algorithm holds the last until the client's delayed ACK, 40 ms a command
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        srv = self.server
        try:
            if srv.implicit_tls:
                sock = srv.tls.wrap_socket(sock, server_side=True)
            wire = Wire(sock)
            srv.track(wire, add=True)
            session = Session(srv.store, wire, srv.tls, tls_on=srv.implicit_tls)
            session.run()
        except (Closed, OSError, ssl.SSLError) as exc:
            log.debug("imap.closed", error=type(exc).__name__)
        finally:
            if "wire" in locals():
                srv.track(wire, add=False)


class IMAPServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True  # the sandbox holds its ports with SO_REUSEADDR until bound
    daemon_threads = True

    def __init__(self, port: int, store: MailStore, tls: ssl.SSLContext, *, implicit_tls: bool):
        self.store = store
        self.tls = tls
        self.implicit_tls = implicit_tls
        self._wires: set[Wire] = set()
        self._wires_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)
        self.thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True,
            name=f"imap-{self.server_address[1]}",
        )  # fmt: skip

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def track(self, wire: Wire, *, add: bool) -> None:
        with self._wires_lock:
            (self._wires.add if add else self._wires.discard)(wire)

    def start(self) -> IMAPServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, and end every open session (as a server shutting down does)."""
        self.shutdown()
        self.server_close()
        with self._wires_lock:
            wires = list(self._wires)
        for wire in wires:
            with contextlib.suppress(OSError):
                wire.sock.shutdown(socket.SHUT_RDWR)
        self.thread.join(5)
