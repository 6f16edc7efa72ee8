"""The GitHub emulator holds each token to GitHub's documented REST limits and answers past
them as GitHub does. Primary: 5,000 requests an hour with the ``x-ratelimit-*`` headers, then
403 with ``x-ratelimit-remaining: 0``. Secondary: at most 100 concurrent requests, 80
content-creating requests a minute and 500 an hour, 900 points a minute (GET 1, writes 5),
answered 403 (or 429, as set) with ``retry-after`` and the secondary-limit message. Time is a
test clock: nothing sleeps."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest

from connectors.github.client import error_for
from connectors.github.emulator import GitHubEmulator, build
from connectors.github.emulator.limits import GitHubLimits
from syncd.errors import RateLimited
from tests.emulated import ManualClock, served

from .conftest import GITHUB_SAMPLES, REPO

BOT = {"Authorization": "token syncd-token"}
DEV = {"Authorization": "token dev-token"}
ISSUES = f"/repos/{REPO}/issues"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def _emulator(clock: ManualClock, **limits: Any) -> GitHubEmulator:
    emu = build(
        tokens={"syncd-token": "syncd-bot", "dev-token": "dev-alice"}, clock=clock, limits=limits
    )
    emu.add_repo(REPO)
    return emu


@pytest.fixture
def emu(clock: ManualClock) -> GitHubEmulator:
    return _emulator(clock)


@pytest.fixture
def http(emu: GitHubEmulator) -> Iterator[httpx.Client]:
    with served(emu.app) as client:
        yield client


def _comment(http: httpx.Client, number: int, who: dict[str, str] = BOT) -> httpx.Response:
    return http.post(f"{ISSUES}/{number}/comments", json={"body": "hi"}, headers=who)


def _secondary(resp: httpx.Response, status: int = 403) -> None:
    assert resp.status_code == status, resp.text
    assert "secondary rate limit" in resp.json()["message"]
    assert int(resp.headers["retry-after"]) >= 1
    assert resp.headers["x-ratelimit-remaining"] != "0"  # the primary budget is not spent


def test_primary_5000_an_hour_with_the_rate_headers(clock: ManualClock) -> None:
    emu = _emulator(clock, points_per_minute=10**9)
    with served(emu.app) as http:
        for _ in range(5000):
            resp = http.get(f"/repos/{REPO}", headers=BOT)
            assert resp.status_code == 200
        assert resp.headers["x-ratelimit-limit"] == "5000"
        assert resp.headers["x-ratelimit-remaining"] == "0"
        assert resp.headers["x-ratelimit-used"] == "5000"
        assert resp.headers["x-ratelimit-resource"] == "core"
        reset = int(resp.headers["x-ratelimit-reset"])
        assert reset == int(clock.now) + 3600
        clock.advance(600)
        refused = http.get(f"/repos/{REPO}", headers=BOT)
        assert refused.status_code == 403
        assert refused.json()["message"].startswith("API rate limit exceeded for user ID")
        assert refused.headers["x-ratelimit-remaining"] == "0"
        error = error_for(403, refused.headers, refused.json())
        # the budget is spent: the client waits for the reset the header names, not a minute
        assert isinstance(error, RateLimited) and error.retry_after > 600
        assert http.get(f"/repos/{REPO}", headers=DEV).status_code == 200  # per token
        clock.advance(3000)
        assert http.get(f"/repos/{REPO}", headers=BOT).status_code == 200


def test_80_content_creating_requests_a_minute(
    clock: ManualClock, emu: GitHubEmulator, http: httpx.Client
) -> None:
    number = emu.create_issue_as("dev-alice", REPO, "busy")
    for _ in range(80):
        assert _comment(http, number).status_code == 201
    clock.advance(30)
    refused = _comment(http, number)
    _secondary(refused)
    assert refused.headers["retry-after"] == "30"
    assert emu.control.refused["content a minute"] == 1
    # reads are not content: they go on (80 writes cost 400 of the 900 points)
    assert http.get(f"{ISSUES}/{number}", headers=BOT).status_code == 200
    assert _comment(http, number, DEV).status_code == 201  # per user
    error = error_for(403, refused.headers, refused.json())
    assert isinstance(error, RateLimited) and error.retry_after == 30
    clock.advance(30)
    assert _comment(http, number).status_code == 201


def test_500_content_creating_requests_an_hour(clock: ManualClock) -> None:
    emu = _emulator(clock, secondary_status=429)
    number = emu.create_issue_as("dev-alice", REPO, "busy")
    with served(emu.app) as http:
        for _ in range(500):
            assert _comment(http, number).status_code == 201
            clock.advance(0.8)  # 75 a minute: under the minute's limit
        refused = _comment(http, number)
        _secondary(refused, 429)  # the status GitHub may send instead of 403
        assert refused.json()["status"] == "429"
        assert emu.control.refused["content an hour"] == 1
        clock.advance(3600 - 400 + 1)
        assert _comment(http, number).status_code == 201


def test_900_points_a_minute_reads_1_writes_5(
    clock: ManualClock, emu: GitHubEmulator, http: httpx.Client
) -> None:
    number = emu.create_issue_as("dev-alice", REPO, "busy")
    for _ in range(100):  # 500 points
        assert http.patch(f"{ISSUES}/{number}", json={"body": "x"}, headers=BOT).status_code == 200
    for _ in range(400):  # 400 points: 900
        assert http.get(f"{ISSUES}/{number}", headers=BOT).status_code == 200
    _secondary(http.get(f"{ISSUES}/{number}", headers=BOT))
    assert emu.control.refused["points a minute"] == 1
    clock.advance(60)
    assert http.get(f"{ISSUES}/{number}", headers=BOT).status_code == 200


def test_at_most_100_concurrent_requests(emu: GitHubEmulator, http: httpx.Client) -> None:
    for _ in range(99):
        emu.control.began()  # 99 requests being answered, as the middleware counts them
    assert http.get(f"/repos/{REPO}", headers=BOT).status_code == 200  # the 100th
    emu.control.began()
    _secondary(http.get(f"/repos/{REPO}", headers=BOT))  # the 101st
    assert emu.control.refused["concurrent requests"] == 1
    for _ in range(100):
        emu.control.ended()
    assert http.get(f"/repos/{REPO}", headers=BOT).status_code == 200


def test_limits_can_be_lifted(clock: ManualClock) -> None:
    emu = build(clock=clock, limits=GitHubLimits.lifted())
    emu.add_repo(REPO)
    number = emu.create_issue_as("dev-alice", REPO, "busy")
    with served(emu.app) as http:
        assert all(_comment(http, number).status_code == 201 for _ in range(120))


@pytest.mark.vendor_samples
def test_the_headers_and_bodies_are_githubs(
    clock: ManualClock, emu: GitHubEmulator, http: httpx.Client
) -> None:
    recorded = json.loads(
        (GITHUB_SAMPLES / "fixtures/scenarios/api.github.com/labels/raw-fixture.json").read_text()
    )
    names = {h.lower() for h in recorded[0]["rawHeaders"][::2] if "ratelimit" in h.lower()}
    answer = http.get(f"/repos/{REPO}", headers=BOT)
    assert names == {h for h in answer.headers if "ratelimit" in h}
    spec = json.loads((GITHUB_SAMPLES / "openapi/api.github.com.issues-subset.json").read_text())
    error = spec["components"]["schemas"]["basic-error"]
    number = emu.create_issue_as("dev-alice", REPO, "busy")
    for _ in range(80):
        _comment(http, number)
    refused = _comment(http, number)
    jsonschema.validate(refused.json(), error)
    for header in ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"):
        value = refused.headers[header.replace("rate-limit", "ratelimit")]
        jsonschema.validate(int(value), spec["components"]["headers"][header]["schema"])
