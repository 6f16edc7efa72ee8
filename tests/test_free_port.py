"""A port handed out for a server stays its own until the server listens on it.

The port stays bound by a socket that does not listen. Linux then refuses it to other
binds (checked here) and to the local end of outgoing connections (not checked here: that
needs a narrow ephemeral range, a setting of the whole machine)."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from syncd.testing.server import free_port


def test_no_other_bind_takes_a_port_handed_out() -> None:
    port = free_port()
    other = socket.socket()  # a bind without SO_REUSEADDR, as a stray process would
    with other, pytest.raises(OSError):
        other.bind(("127.0.0.1", port))


def test_a_server_in_another_process_binds_it_and_listens() -> None:
    port = free_port()
    code = (
        "import socket; s = socket.socket(); "
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); "
        f"s.bind(('127.0.0.1', {port})); s.listen(); print('listening')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "listening", out.stderr
