"""The Zendesk emulator holds an account to Zendesk's documented limits and answers past them
as Zendesk does: 429, ``Retry-After`` in whole seconds, an ``APIRateLimitExceeded`` body, the
``X-Rate-Limit`` headers. The plan's 700 requests a minute; Update Ticket 100 a minute for the
account and 30 in ten minutes per user per ticket; the incremental exports 10 a minute. Time
is a test clock: nothing sleeps."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest

from connectors.zendesk.emulator import ZendeskEmulator, build
from connectors.zendesk.emulator.limits import ZendeskLimits
from tests.emulated import ManualClock, served

from .conftest import SAMPLES


def _auth(email: str, token: str) -> dict[str, str]:
    basic = base64.b64encode(f"{email}/token:{token}".encode()).decode()
    return {"Authorization": f"Basic {basic}"}


BOT = _auth("syncd@example.com", "syncd-token")
AGENT = _auth("agent@example.com", "agent-token")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def emu(clock: ManualClock) -> ZendeskEmulator:
    return build(clock=clock)


@pytest.fixture
def http(emu: ZendeskEmulator) -> Iterator[httpx.Client]:
    with served(emu.app) as client:
        yield client


def _update(http: httpx.Client, ticket: int, who: dict[str, str] = BOT) -> int:
    body = {"ticket": {"comment": {"body": "progress", "public": False}}}
    return http.put(f"/api/v2/tickets/{ticket}.json", json=body, headers=who).status_code


def test_the_plans_requests_a_minute_then_429_with_retry_after(
    clock: ManualClock, emu: ZendeskEmulator, http: httpx.Client
) -> None:
    for n in range(700):
        resp = http.get("/api/v2/users/me.json", headers=BOT)
        assert resp.status_code == 200
        assert resp.headers["X-Rate-Limit"] == "700"
        assert resp.headers["X-Rate-Limit-Remaining"] == str(699 - n)
    clock.advance(15)
    refused = http.get("/api/v2/users/me.json", headers=BOT)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "45"
    assert refused.json() == {"error": "APIRateLimitExceeded", "description": "Rate limit exceeded"}
    assert refused.headers["X-Rate-Limit-Remaining"] == "0"
    assert emu.control.refused["requests"] == 1
    clock.advance(45)
    assert http.get("/api/v2/users/me.json", headers=BOT).status_code == 200


def test_update_ticket_100_a_minute_for_the_account(
    clock: ManualClock, emu: ZendeskEmulator, http: httpx.Client
) -> None:
    tickets = [emu.create_ticket(f"t{n}") for n in range(101)]
    assert all(_update(http, t) == 200 for t in tickets[:100])
    refused = http.put(
        f"/api/v2/tickets/{tickets[100]}.json",
        json={"ticket": {"status": "open"}},
        headers=BOT,
    )
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert refused.json()["error"] == "APIRateLimitExceeded"
    assert emu.ticket(tickets[100])["status"] != "open"  # a refused update changes nothing
    assert http.get(f"/api/v2/tickets/{tickets[0]}.json", headers=BOT).status_code == 200
    assert _update(http, tickets[100], AGENT) == 429  # the account's, whoever writes
    clock.advance(60)
    assert _update(http, tickets[100]) == 200


def test_update_ticket_30_in_ten_minutes_per_user_and_ticket(
    clock: ManualClock, emu: ZendeskEmulator, http: httpx.Client
) -> None:
    busy, other = emu.create_ticket("busy"), emu.create_ticket("other")
    for _ in range(30):
        assert _update(http, busy) == 200
        clock.advance(10)  # 30 updates over five minutes: well inside 100 a minute
    refused = http.put(f"/api/v2/tickets/{busy}.json", json={"ticket": {}}, headers=BOT)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "300"  # the ten minutes began five ago
    assert emu.control.refused["updates of one ticket"] == 1
    assert _update(http, other) == 200  # another ticket: its own thirty
    assert _update(http, busy, AGENT) == 200  # another user: their own thirty
    clock.advance(300)
    assert _update(http, busy) == 200


def test_incremental_exports_10_a_minute(
    clock: ManualClock, emu: ZendeskEmulator, http: httpx.Client
) -> None:
    url = f"/api/v2/incremental/tickets/cursor.json?start_time={int(clock.now) - 60}"
    assert all(http.get(url, headers=BOT).status_code == 200 for _ in range(10))
    refused = http.get(url, headers=BOT)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) == 60
    assert "incremental export" in refused.json()["description"]
    clock.advance(60)
    assert http.get(url, headers=BOT).status_code == 200


def test_figures_are_settable_and_can_be_lifted(clock: ManualClock) -> None:
    emu = build(clock=clock, limits={"updates_per_ticket": 2})
    assert emu.limits == ZendeskLimits(updates_per_ticket=2)
    ticket = emu.create_ticket("t")
    with served(emu.app) as http:
        assert [_update(http, ticket) for _ in range(3)] == [200, 200, 429]
    lifted = build(clock=clock, limits=ZendeskLimits.lifted())
    ticket = lifted.create_ticket("t")
    with served(lifted.app) as http:
        assert all(_update(http, ticket) == 200 for _ in range(40))


@pytest.mark.vendor_samples
def test_the_figures_are_those_the_samples_state() -> None:
    facts = (SAMPLES / "README.md").read_text()
    assert "at most 10 calls a minute" in facts
    assert "Ticket updates: 30 per ticket per\n  10 minutes per user" in facts
    assert "429 carries `Retry-After`" in facts
    figures = ZendeskLimits()
    assert (figures.exports_per_minute, figures.updates_per_ticket) == (10, 30)
