"""The proxy settings of the environment hold for GitHub as for the other connectors: a proxy
named in ``HTTP_PROXY`` is used, a host in ``NO_PROXY`` is reached directly. Everything stays
on 127.0.0.1: the "proxy" is a server here that records what it is asked.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from connectors.github.client import GitHubClient
from connectors.github.emulator import GitHubEmulator
from syncd.model import Ref
from syncd.testing.server import free_port

from .conftest import DEV, REPO, connect, make_settings

PROXY_VARS = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")


class _Recorder(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self) -> None:
        self.seen.append(self.requestline)
        body = json.dumps({"full_name": REPO}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[tuple[str, list[str]]]:
    """An HTTP proxy on loopback that answers every GET itself; (its URL, request lines)."""
    seen: list[str] = []
    handler = type("Recorder", (_Recorder,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def no_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*PROXY_VARS, "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_the_proxy_named_in_the_environment_is_used(
    proxy: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, seen = proxy
    # nothing listens at the GitHub address: only the proxy can answer
    github = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("HTTP_PROXY", url)
    client = GitHubClient(make_settings(github), "syncd-token")
    try:
        for _ in range(2):
            answer = client.call("GET", f"/repos/{REPO}")
            assert answer.data == {"full_name": REPO}
    finally:
        client.close()
    assert seen == [f"GET {github}/repos/{REPO} HTTP/1.1"] * 2


def test_no_proxy_keeps_a_host_direct(
    emu: GitHubEmulator, base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = connect(base_url)
    number = emu.create_issue_as(DEV, REPO, "Crash on export")
    # a proxy that refuses every connection, and NO_PROXY naming the GitHub host
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    try:
        made = conn.add_comment(
            Ref.issue("gh", f"{REPO}#{number}"), "Looking into it.", public=True, key="k-env"
        )
    finally:
        conn.close()
    assert made.marker == "k-env"
    assert [c["body"].startswith("Looking into it.") for c in emu.comments(REPO, number)] == [True]
