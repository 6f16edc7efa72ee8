"""The endpoints ``syncd connectors test`` reads answer in GitHub's shapes: the repository
with ``permissions`` against GitHub's published ``repository`` schema, the token's scopes
header, and webhooks as GitHub documents them (hooks are not in the published subset)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from referencing import Registry

from connectors.github.emulator import GitHubEmulator, build
from syncd.testing.server import ServerThread

from .conftest import BOT, SECRET, TOKENS
from .test_emulator_schema import REST_URI, _check, registry, rest  # noqa: F401  (fixtures)

REPO = "acme/widgets"
HOOK_KEYS = {
    "type",
    "id",
    "name",
    "active",
    "events",
    "config",
    "updated_at",
    "created_at",
    "url",
    "test_url",
    "ping_url",
    "deliveries_url",
    "last_response",
}


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[GitHubEmulator, str]]:
    emu = build(webhook_secret=SECRET, tokens=dict(TOKENS))
    emu.add_repo(REPO)
    with ServerThread(emu.app) as srv:
        yield emu, srv.url


@pytest.fixture
def emu(served: tuple[GitHubEmulator, str]) -> Iterator[GitHubEmulator]:
    yield served[0]
    served[0].admin.clear()


def get(url: str, path: str, token: str = "syncd-token") -> httpx.Response:
    return httpx.get(f"{url}{path}", headers={"Authorization": f"token {token}"}, timeout=5)


@pytest.mark.vendor_samples
@pytest.mark.parametrize(
    ("role", "push", "triage"),
    [("admin", True, True), ("triage", False, True), ("read", False, False)],
)
def test_repository_with_permissions_matches_the_schema(
    rest: dict[str, Any],  # noqa: F811
    registry: Registry,  # noqa: F811
    served: tuple[GitHubEmulator, str],
    emu: GitHubEmulator,
    role: str,
    push: bool,
    triage: bool,
) -> None:
    emu.admin.set_role(BOT, REPO, role)
    body = get(served[1], f"/repos/{REPO}").json()
    _check(registry, {"$ref": "#/components/schemas/repository"}, REST_URI, body)
    assert body["permissions"]["push"] is push and body["permissions"]["triage"] is triage
    assert body["permissions"]["pull"] is True and body["has_issues"] is True


def test_classic_tokens_send_their_scopes_fine_grained_ones_do_not(
    served: tuple[GitHubEmulator, str], emu: GitHubEmulator
) -> None:
    assert get(served[1], "/user").headers["X-OAuth-Scopes"] == "repo"
    emu.admin.set_token("syncd-token", None)
    assert "X-OAuth-Scopes" not in get(served[1], "/user").headers


def test_hooks_as_github_documents_them(
    served: tuple[GitHubEmulator, str], emu: GitHubEmulator
) -> None:
    emu.admin.add_hook(REPO, "https://syncd.example/webhooks/gh")
    (hook,) = get(served[1], f"/repos/{REPO}/hooks").json()
    assert set(hook) == HOOK_KEYS and hook["type"] == "Repository" and hook["name"] == "web"
    assert hook["config"] == {
        "content_type": "json",
        "insecure_ssl": "0",
        "url": "https://syncd.example/webhooks/gh",
        "secret": "********",
    }
    assert hook["events"] == ["issues", "issue_comment"]


@pytest.mark.parametrize(
    ("setup", "status"),
    [
        (lambda e: e.admin.set_role(BOT, REPO, "write"), 404),  # not an admin of the repository
        (lambda e: e.admin.set_token("syncd-token", "public_repo"), 404),  # no hook scope
        (lambda e: e.admin.set_token("syncd-token", None, frozenset({"issues"})), 403),
    ],
)
def test_hooks_need_admin_and_a_hook_scope(
    served: tuple[GitHubEmulator, str], emu: GitHubEmulator, setup: Any, status: int
) -> None:
    setup(emu)
    refused = get(served[1], f"/repos/{REPO}/hooks")
    assert refused.status_code == status
    assert set(refused.json()) == {"message", "documentation_url", "status"}


def test_issues_turned_off_answer_410(
    served: tuple[GitHubEmulator, str], emu: GitHubEmulator
) -> None:
    emu.disable_issues(REPO)
    try:
        gone = get(served[1], f"/repos/{REPO}/issues")
        assert gone.status_code == 410
        assert gone.json()["message"] == "Issues are disabled for this repo"
        assert get(served[1], f"/repos/{REPO}").json()["has_issues"] is False
    finally:
        emu.disable_issues(REPO, disabled=False)
