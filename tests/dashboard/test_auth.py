"""Reads from beyond loopback need a bearer token or basic auth from the config."""

from __future__ import annotations

import base64

import pytest

from syncd.store.repository import Store
from tests.dashboard.conftest import LOOPBACK, REMOTE, call, make_app

READS = (
    "/dashboard",
    "/api/dashboard/overview",
    "/api/dashboard/health",
    "/api/links",
    "/api/status",
)


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Store:
    return Store.open(sqlite_url)


def test_remote_without_credentials_is_refused(sqlite_store: Store) -> None:
    app = make_app(sqlite_store, {"token": "s3cret-token"})
    for path in READS:
        r = call(app, path, client=REMOTE)
        assert r.status_code == 401, path
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert call(app, path, client=LOOPBACK).status_code == 200, path
    # nothing configured: remote reads are refused all the same
    bare = make_app(sqlite_store)
    assert call(bare, "/api/dashboard/overview", client=REMOTE).status_code == 401
    # webhooks, health and metrics keep their own rules
    assert call(app, "/healthz", client=REMOTE).status_code == 200


def test_bearer_token(sqlite_store: Store) -> None:
    app = make_app(sqlite_store, {"token": "s3cret-token"})
    ok = {"Authorization": "Bearer s3cret-token"}
    bad = {"Authorization": "Bearer s3cret-tokex"}
    assert call(app, "/api/dashboard/overview", client=REMOTE, headers=ok).status_code == 200
    assert call(app, "/dashboard", client=REMOTE, headers=ok).status_code == 200
    assert call(app, "/api/dashboard/overview", client=REMOTE, headers=bad).status_code == 401
    assert (
        call(
            app, "/api/dashboard/overview", client=REMOTE, headers=_basic("a", "s3cret-token")
        ).status_code
        == 401
    )


def test_basic_auth(sqlite_store: Store) -> None:
    app = make_app(sqlite_store, {"username": "ops", "password": "pa:ss"})
    assert call(app, "/dashboard", client=REMOTE, headers=_basic("ops", "pa:ss")).status_code == 200
    r = call(app, "/dashboard", client=REMOTE, headers=_basic("ops", "wrong"))
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
    assert (
        call(app, "/dashboard", client=REMOTE, headers={"Authorization": "Basic !!"}).status_code
        == 401
    )


def test_loopback_trust_can_be_turned_off(sqlite_store: Store) -> None:
    app = make_app(sqlite_store, {"token": "t", "trust_loopback": False})
    assert call(app, "/api/dashboard/overview", client=LOOPBACK).status_code == 401
    ok = {"Authorization": "Bearer t"}
    assert call(app, "/api/dashboard/overview", client=LOOPBACK, headers=ok).status_code == 200


def test_secrets_come_from_the_environment(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNCD_DASHBOARD__TOKEN", "from-env")
    app = make_app(sqlite_store)
    ok = {"Authorization": "Bearer from-env"}
    assert call(app, "/api/dashboard/overview", client=REMOTE, headers=ok).status_code == 200
