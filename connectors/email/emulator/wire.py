"""One IMAP client connection as the emulator reads and writes it: lines, literals (the
synchronizing ``{n}`` of RFC 3501, answered ``+ OK``), a wait for the client or for new mail
(IDLE), and STARTTLS wrapping the socket mid-way."""

from __future__ import annotations

import selectors
import socket
import ssl
import threading

from .syntax import literal_size

MAX_LINE = 64 * 1024
MAX_LITERAL = 64 * 1024 * 1024


class Closed(Exception):
    """The client went away."""


class Wire:
    """Lines and literals over one client socket, which STARTTLS may wrap mid-way."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""
        self.lock = threading.Lock()

    def send(self, data: bytes) -> None:
        with self.lock:
            self.sock.sendall(data)

    def _more(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise Closed()
        self.buffer += chunk

    def readline(self) -> bytes:
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_LINE:
                raise Closed()
            self._more()
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line + b"\n"

    def read(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._more()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def pending(self) -> bool:
        """Whether something is to be read without waiting."""
        return bool(self.buffer) or (
            isinstance(self.sock, ssl.SSLSocket) and self.sock.pending() > 0
        )

    def wait(self, wake: socket.socket | None, timeout: float) -> str:
        """``"client"`` when the client wrote, ``"wake"`` when ``wake`` rang, else ``""``."""
        if self.pending():
            return "client"
        with selectors.DefaultSelector() as sel:
            sel.register(self.sock, selectors.EVENT_READ, "client")
            if wake is not None:
                sel.register(wake, selectors.EVENT_READ, "wake")
            ready = [key.data for key, _ in sel.select(timeout)]
        return "client" if "client" in ready else ("wake" if ready else "")

    def starttls(self, ctx: ssl.SSLContext) -> None:
        if self.buffer:  # commands pipelined after STARTTLS: refused by RFC 3501
            raise Closed()
        self.sock = ctx.wrap_socket(self.sock, server_side=True)


def read_command(wire: Wire) -> bytes:
    """One command, its synchronizing literals fetched (``+ OK`` before each)."""
    line = wire.readline()
    whole = line
    while (size := literal_size(line)) is not None:
        if size > MAX_LITERAL:
            raise Closed()
        wire.send(b"+ OK\r\n")
        whole += wire.read(size)
        line = wire.readline()
        whole += line
    return whole
