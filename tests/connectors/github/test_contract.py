"""The shared tracker contract and faults against GitHub's emulator, plus the emulator's own
plumbing: building from settings, control routes, webhook delivery over HTTP, reset."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from typing import Any

import httpx
import pytest

from connectors.github import GitHubConnector
from connectors.github.emulator import GitHubEmulator
from syncd.model import ChangeKind, Ref
from tests.connectors.contract import TrackerContract
from tests.connectors.trackers import DevHarness, TrackerFaults

from .conftest import BOT, DEV, REPO, connect, make_settings


class Harness(DevHarness):
    """Acts as a developer through the emulator's REST API with the developer's token."""

    project = REPO

    def human_create(self, title: str, body: str = "", **kw: Any) -> Ref:
        resp = self.http.post(f"/repos/{REPO}/issues", json={"title": title, "body": body, **kw})
        resp.raise_for_status()
        return Ref.issue("gh", f"{REPO}#{resp.json()['number']}")

    def human_comment(self, parent: Ref, body: str, *, public: bool) -> Ref:
        number = parent.key.rsplit("#", 1)[1]
        resp = self.http.post(f"/repos/{REPO}/issues/{number}/comments", json={"body": body})
        resp.raise_for_status()
        return Ref.comment("gh", f"{REPO}#comment-{resp.json()['id']}")


@pytest.fixture
def harness(
    emu: GitHubEmulator, base_url: str, connector: GitHubConnector, dev: httpx.Client
) -> Iterator[Harness]:
    with closing(Harness(emu, base_url, connector, dev, connect)) as h:
        yield h


class TestGitHubContract(TrackerContract):
    """Every tracker's contract."""


class TestGitHubFaults(TrackerFaults):
    """The failures GitHub's emulator stages as GitLab's does."""

    project = REPO
    connect = staticmethod(connect)


def test_registry_builds_the_connector_from_settings(base_url: str, tmp_path: Any) -> None:
    from syncd.registry import spec

    token_file = tmp_path / "token"
    token_file.write_text("syncd-token\n")
    github = spec("github")
    assert github.kind == "github" and github.settings.__name__ == "GitHubSettings"
    settings = make_settings(base_url, token=None, token_file=token_file)
    conn = github.factory("gh2", settings, None)
    try:
        assert conn.name == "gh2" and conn.check() == BOT
    finally:
        conn.close()


def test_control_routes_and_fault_counters(emu: GitHubEmulator, base_url: str) -> None:
    dev = {"Authorization": "token dev-token"}

    def stats() -> dict[str, Any]:
        answer: dict[str, Any] = httpx.get(f"{base_url}/_emulator/stats").json()
        return answer

    def repo_reads() -> int:
        return sum(n for key, n in stats()["requests"].items() if key.startswith("GET /repos/"))

    before = repo_reads()  # the emulator is shared: count from here
    assert httpx.get(f"{base_url}/repos/{REPO}/issues", headers=dev).status_code == 200
    assert repo_reads() == before + 1
    resp = httpx.post(f"{base_url}/_emulator/faults", json={"kind": "status", "status": 502})
    assert resp.status_code == 201
    assert [(f["kind"], f["fired"]) for f in stats()["faults"]] == [("status", 0)]
    assert httpx.get(f"{base_url}/user", headers=dev).status_code == 502
    assert [(f["kind"], f["fired"]) for f in stats()["faults"]] == [("status", 1)]
    assert httpx.delete(f"{base_url}/_emulator/faults").status_code == 200
    assert stats()["faults"] == []
    assert httpx.get(f"{base_url}/user", headers=dev).status_code == 200


def test_webhooks_are_delivered_over_http(emu: GitHubEmulator, connector: GitHubConnector) -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from syncd.testing.server import ServerThread

    received: list[tuple[dict[str, str], bytes]] = []

    async def hook(request: Request) -> Response:
        received.append((dict(request.headers), await request.body()))
        return Response(status_code=202)

    with ServerThread(Starlette(routes=[Route("/hook", hook, methods=["POST"])])) as srv:
        emu.configure_webhooks(f"{srv.url}/hook")
        try:
            number = emu.create_issue_as(DEV, REPO, "delivered")
            emu.comment_as(DEV, REPO, number, "and commented")
            assert emu.control.webhooks.flush(5)
        finally:
            emu.configure_webhooks(None)
    changes = []
    for headers, body in received[-2:]:
        connector.verify_webhook(headers, body)
        changes.extend(connector.parse_webhook(headers, body).changes)
    assert [c.kind for c in changes] == [ChangeKind.UPSERT, ChangeKind.COMMENT]
    assert all(c.ref == Ref.issue("gh", f"{REPO}#{number}") and c.actor == DEV for c in changes)


def test_reset_over_http_empties_the_store(base_url: str) -> None:
    from connectors.github.emulator import build
    from syncd.testing.server import ServerThread

    emu = build(tokens={"t": "someone"})
    emu.add_repo("x/y")
    with ServerThread(emu.app) as srv:
        auth = {"Authorization": "token t"}
        assert httpx.get(f"{srv.url}/repos/x/y", headers=auth).status_code == 200
        assert httpx.post(f"{srv.url}/_emulator/reset").status_code == 200
        assert httpx.get(f"{srv.url}/repos/x/y", headers=auth).status_code == 404
        assert httpx.get(f"{srv.url}/user", headers=auth).json()["login"] == "someone"
