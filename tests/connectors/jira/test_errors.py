"""How Jira's connector fails against both flavours of the emulator: vendor errors translated,
the rate budget near its limit, garbage webhooks, and old or unreadable cursors."""

from __future__ import annotations

import json

import pytest

from syncd.errors import (
    CursorError,
    PermanentError,
    RateLimited,
    TransientError,
    WebhookError,
)
from syncd.model import IssueDraft
from tests.connectors.contract import drain_pages
from tests.connectors.jira.conftest import Served, new_key

# -- errors and rate limits ---------------------------------------------------------------


def test_vendor_errors_are_translated(served: Served) -> None:
    conn = served.connector()
    faults = served.emu.control.faults
    faults.add("rate_limit", path="/myself", seconds=7)
    with pytest.raises(RateLimited) as limited:
        conn.check()
    assert limited.value.retry_after == 7
    faults.add("status", status=503, path="/myself")
    with pytest.raises(TransientError):
        conn.check()
    faults.add("reset", path="/myself")
    with pytest.raises(TransientError):
        conn.check()
    with pytest.raises(PermanentError):
        conn.create_issue("NOPE", IssueDraft(title="t", body="b"), key=new_key())
    faults.clear()
    assert conn.check() == conn.check()


def test_near_limit_is_reported(served: Served) -> None:
    conn = served.connector()
    budget = served.emu.control.budget
    conn.check()
    full = conn.rate_budget()
    assert full.limit == budget.limit and full.remaining is not None
    with budget.lock:
        budget.used["syncd-bot"] = int(budget.limit * 0.9)
    try:
        conn.check()
        assert conn.client.near_limit
        assert (
            conn.rate_budget().remaining is not None
            and conn.rate_budget().remaining < full.remaining
        )
    finally:
        with budget.lock:
            budget.used["syncd-bot"] = 0


def test_parse_webhook_rejects_garbage(served: Served) -> None:
    conn = served.connector()
    body = json.dumps(
        {"webhookEvent": "jira:issue_updated", "issue": {"key": "A-1", "fields": "x"}}
    )
    with pytest.raises(WebhookError) as err:
        conn.parse_webhook({}, body.encode())
    assert err.value.status == 400


def test_a_cursor_written_before_versions_is_upgraded(served: Served) -> None:
    conn = served.connector()
    _, current, _ = drain_pages(conn, None)
    assert current is not None and json.loads(current)["v"] == 1
    legacy = json.dumps({k: v for k, v in json.loads(current).items() if k != "v"})
    conn.check_cursor(legacy)
    page = conn.poll(legacy)
    assert page.cursor is not None and json.loads(page.cursor)["v"] == 1


def test_an_unreadable_cursor_costs_no_request(served: Served) -> None:
    conn = served.connector()
    before = sum(served.emu.control.requests.values())
    with pytest.raises(CursorError, match="jira"):
        conn.poll('{"hw": "yesterday", "seen": {}}')
    assert sum(served.emu.control.requests.values()) == before
