"""The worker's ``action.planned`` lines are written once the actions are committed: never
while its transaction holds the writers' lock, and never for actions a rollback undid."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from syncd.model import TicketStatus
from syncd.testing.sandbox import Sandbox


@pytest.fixture
def planned(hooked: Sandbox) -> Iterator[list[tuple[str, bool]]]:
    """(action key, its outbox row visible to another connection) for each planned line."""
    seen: list[tuple[str, bool]] = []
    db = hooked.folder / "syncd.db"

    def probe(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
        if event.get("event") == "action.planned":
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
                found = conn.execute("SELECT count(*) FROM outbox WHERE key = ?", (event["key"],))
                seen.append((str(event["key"]), found.fetchone()[0] == 1))
        raise structlog.DropEvent

    before = structlog.get_config()
    structlog.configure(processors=[probe])
    try:
        yield seen
    finally:
        structlog.configure(**before)


def test_planned_actions_are_logged_after_their_commit(
    hooked: Sandbox, planned: list[tuple[str, bool]]
) -> None:
    sb = hooked
    ticket = sb.helpdesk.create_ticket("Export fails", "Crashes on export.", tags=["escalate"])
    sb.wait("hand-off", lambda: sb.helpdesk.ticket(ticket).status == TicketStatus.ON_HOLD)
    sb.settle()
    assert planned, "no action.planned line"
    assert any(key.startswith("create:") for key, _ in planned)
    # each line's action was already in the outbox for every other connection to see
    assert all(visible for _, visible in planned), planned
