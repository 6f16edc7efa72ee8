"""Polling by ``updated_since`` on an emulator whose clock the test sets: every changed ticket
comes once however the pages fall, a ticket changed during a walk is not skipped, a second
holding more than a page is walked page by page, and no walk asks for a page past the 300th."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from connectors.freshdesk import FreshdeskConnector, factory
from connectors.freshdesk.emulator import FreshdeskEmulator, build
from connectors.freshdesk.poll import CURSOR, FreshdeskCursor, _clock
from syncd.model import ChangeKind
from syncd.testing.server import ServerThread

from .conftest import INSTANCE, settings_for

T0 = 1_767_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def setup() -> Iterator[tuple[FreshdeskEmulator, FreshdeskConnector, Clock]]:
    clock = Clock()
    emu = build(rate_limit=1_000_000, clock=clock)
    with ServerThread(emu.app) as srv, httpx.Client(timeout=5.0) as http:
        conn = factory(INSTANCE, settings_for(srv.url, per_page=10), http)
        yield emu, conn, clock
        conn.close()
    emu.control.webhooks.close()


def _walk(conn: FreshdeskConnector, cursor: str, limit: int = 100) -> tuple[list[Any], str, int]:
    """Poll until the connector says there is no more; (changes, cursor, calls)."""
    changes: list[Any] = []
    for calls in range(1, limit + 1):
        page = conn.poll(cursor)
        changes += page.changes
        assert page.cursor is not None
        cursor = page.cursor
        if not page.more:
            return changes, cursor, calls
    raise AssertionError("the walk did not end")


def _tickets(changes: list[Any]) -> list[int]:
    return [int(c.ref.key) for c in changes if c.kind == ChangeKind.UPSERT]


def _start(conn: FreshdeskConnector) -> str:
    return conn.cursor_since(datetime.fromtimestamp(T0, UTC))


def test_tickets_of_many_seconds_come_once_and_the_page_stays_first(setup: Any) -> None:
    emu, conn, clock = setup
    made = []
    for n in range(35):
        clock.now = T0 + n // 2  # two tickets a second
        made.append(emu.create_ticket(f"t{n}"))
    changes, cursor, calls = _walk(conn, _start(conn))
    assert sorted(_tickets(changes)) == made and len(set(_tickets(changes))) == 35
    state = json.loads(cursor)
    assert state["page"] == 1 and state["since"] == "2025-12-29T09:20:17Z"
    assert calls >= 4
    again, _, _ = _walk(conn, cursor)
    assert _tickets(again) == []  # the boundary second is not read twice


def test_a_ticket_changed_during_the_walk_is_not_skipped(setup: Any) -> None:
    emu, conn, clock = setup
    made = []
    for n in range(25):
        clock.now = T0 + n
        made.append(emu.create_ticket(f"t{n}"))
    page = conn.poll(_start(conn))
    assert _tickets(page.changes) == made[:10] and page.more
    clock.now = T0 + 100
    emu.update(made[0], status=3)  # moves to the end of the list
    emu.update(made[12], priority=3)
    changes, _, _ = _walk(conn, str(page.cursor))
    seen = _tickets(changes)
    assert sorted(set(seen)) == sorted([*made[10:], made[0]])
    assert seen[-2:] == [made[0], made[12]] or seen[-2:] == [made[12], made[0]]


def test_a_second_holding_more_than_a_page_is_walked_page_by_page(setup: Any) -> None:
    emu, conn, clock = setup
    made = [emu.create_ticket(f"same {n}") for n in range(25)]
    clock.now = T0 + 5
    later = emu.create_ticket("later")
    pages = []
    cursor = _start(conn)
    for _ in range(5):
        page = conn.poll(cursor)
        pages.append((_tickets(page.changes), json.loads(str(page.cursor))["page"]))
        cursor = str(page.cursor)
    assert [p for _, p in pages][:3] == [2, 3, 1]
    seen = [t for ts, _ in pages for t in ts]
    assert seen == [*made, later]


def test_no_page_past_the_300th_the_cursor_moves_on(setup: Any, caplog: Any) -> None:
    emu, conn, clock = setup
    made = [emu.create_ticket(f"same {n}") for n in range(301)]
    clock.now = T0 + 1
    after = emu.create_ticket("the next second")
    one = factory(INSTANCE, conn.settings.model_copy(update={"per_page": 1}), conn.client.http)
    # a walk one page a time that took 299 pages of one second already
    state = FreshdeskCursor(since="2025-12-29T09:20:00Z", page=300, seen=made[:299])
    with caplog.at_level("WARNING", logger="connectors.freshdesk.poll"):
        page = one.poll(CURSOR.dump(state))
    assert _tickets(page.changes) == [made[299]]
    moved = CURSOR.load(INSTANCE, str(page.cursor))
    assert (moved.since, moved.page, moved.seen) == ("2025-12-29T09:20:01Z", 1, [])
    assert "more than 300 pages" in caplog.text and "2025-12-29T09:20:01Z" in caplog.text
    changes, _, _ = _walk(one, str(page.cursor))
    assert _tickets(changes) == [after]  # made[300] shared a second past Freshdesk's reach


def test_a_short_page_at_the_cursors_second_is_asked_again(setup: Any) -> None:
    emu, conn, clock = setup
    first = emu.create_ticket("in the cursor's second")
    page = conn.poll(_start(conn))
    assert _tickets(page.changes) == [first]
    assert json.loads(str(page.cursor))["page"] == 1  # a short page: nothing past it yet
    second = emu.create_ticket("the same second, later")
    page = conn.poll(str(page.cursor))
    assert _tickets(page.changes) == [second]
    clock.now = T0 + 1
    emu.update(first, priority=4)
    third = emu.create_ticket("the next second")
    changes, _, _ = _walk(conn, str(page.cursor))
    assert _tickets(changes) == [first, third]


def test_an_edited_note_comes_again_a_deleted_one_not(setup: Any) -> None:
    """An edit moves the note's and its ticket's ``updated_at``: the next poll lists the
    ticket and brings the note with its new body. A deletion leaves nothing to list."""
    emu, conn, clock = setup
    tid = emu.create_ticket("edits")
    note = emu.add_conversation(tid, "first words", public=False)
    gone = emu.add_conversation(tid, "soon deleted", public=False)
    changes, cursor, _ = _walk(conn, conn.cursor_since(datetime.fromtimestamp(T0, UTC)))
    assert {c.comment.body for c in changes if c.comment} == {"first words", "soon deleted"}
    clock.now += 5
    emu.edit_conversation(note.id, "better words")
    emu.delete_conversation(gone.id)
    changes, cursor, _ = _walk(conn, cursor)
    comments = [c.comment for c in changes if c.kind == ChangeKind.COMMENT and c.comment]
    assert [c.body for c in comments] == ["better words"]
    assert comments[0].updated_at == datetime.fromtimestamp(T0 + 5, UTC)
    assert comments[0].created_at == datetime.fromtimestamp(T0, UTC)
    assert _tickets(changes) == [tid]
    clock.now += 5
    emu.delete_conversation(note.id)  # a deletion alone does not move the ticket
    assert _walk(conn, cursor)[0] == []


def test_a_second_not_over_by_freshdesks_clock_is_listed_again(setup: Any) -> None:
    # a ticket changed twice within one second keeps one updated_at: had the first poll kept
    # its id as taken, the second change would never be listed
    emu, conn, _ = setup
    ticket = emu.create_ticket("changed twice in a second")
    second = datetime.fromtimestamp(T0, UTC)
    first = conn.poll(_start(conn))
    assert _tickets(list(first.changes)) == [ticket]
    state = CURSOR.load(conn.name, first.cursor or "")
    raws = [{"id": ticket, "updated_at": "2025-12-29T09:20:00Z"}]
    poller = conn.poller  # the same rule the poll just applied, at two moments
    during = poller._next(state, raws, second.replace(microsecond=600_000))
    after = poller._next(state, raws, second + timedelta(seconds=1))
    assert during.seen == [] and after.seen == [ticket]
    assert _clock("Mon, 29 Dec 2025 09:20:01 GMT") == second + timedelta(seconds=1)
    assert _clock("not a date") <= datetime.now(UTC)
