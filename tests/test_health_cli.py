"""``syncd health``: the container health check, against a stand-in service on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncd.cli import app
from syncd.health_cli import probe_url
from syncd.testing.server import free_port


class _Answers(BaseHTTPRequestHandler):
    """Alive, not ready: what syncd answers while a connector fails."""

    def do_GET(self) -> None:
        status, body = {"/healthz": (200, b'{"status":"ok"}')}.get(
            self.path, (503, b'{"ready":false,"connectors":{"github":{"healthy":false}}}')
        )
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def service() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _config(tmp_path: Path, port: int, host: str = "0.0.0.0") -> Path:
    path = tmp_path / "syncd.yaml"
    path.write_text(f"server: {{host: '{host}', port: {port}}}\n")
    return path


@pytest.mark.parametrize(
    ("host", "ready", "url"),
    [
        ("0.0.0.0", False, "http://127.0.0.1:8080/healthz"),
        ("::", True, "http://127.0.0.1:8080/readyz"),
        ("127.0.0.1", False, "http://127.0.0.1:8080/healthz"),
        ("::1", False, "http://[::1]:8080/healthz"),
    ],
)
def test_probe_url_asks_where_the_service_listens(host: str, ready: bool, url: str) -> None:
    assert probe_url(host, 8080, ready=ready) == url


def test_alive_exits_0_on_the_port_of_the_config_file(tmp_path: Path, service: int) -> None:
    res = CliRunner().invoke(app, ["health", "-c", str(_config(tmp_path, service))])
    assert res.exit_code == 0, res.output
    assert f"http://127.0.0.1:{service}/healthz: ok" in res.output


def test_not_ready_exits_1_and_says_why(tmp_path: Path, service: int) -> None:
    res = CliRunner().invoke(app, ["health", "--ready", "-c", str(_config(tmp_path, service))])
    assert res.exit_code == 1
    assert "503" in res.output and '"healthy":false' in res.output


def test_the_environment_wins_over_the_file_as_for_syncd_run(tmp_path: Path, service: int) -> None:
    closed = free_port()
    config = _config(tmp_path, closed)
    res = CliRunner().invoke(app, ["health", "-c", str(config)])
    assert res.exit_code == 1 and "no answer" in res.output
    res = CliRunner().invoke(
        app, ["health", "-c", str(config)], env={"SYNCD_SERVER__PORT": str(service)}
    )
    assert res.exit_code == 0, res.output


def test_a_broken_config_is_unhealthy_and_named(tmp_path: Path) -> None:
    """Exit 1, not the 2 of the other commands: Docker reserves 2 in health checks."""
    config = tmp_path / "syncd.yaml"
    config.write_text("server: {port: eighty}\n")
    res = CliRunner().invoke(app, ["health", "-c", str(config)])
    assert res.exit_code == 1
    assert "server.port" in res.output


def test_secret_files_need_not_be_readable_where_it_runs(tmp_path: Path, service: int) -> None:
    """The check reaches no vendor: a token file it cannot read is not its concern."""
    config = _config(tmp_path, service)
    config.write_text(
        config.read_text()
        + "connectors:\n  github: {kind: github, token_file: /nonexistent/token}\n"
    )
    res = CliRunner().invoke(app, ["health", "-c", str(config)])
    assert res.exit_code == 0, res.output
