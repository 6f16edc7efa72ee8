"""Polling ticket transactions with an exact cursor, against the real RT and the emulator."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from syncd.model import ChangeKind, TicketStatus
from tests.connectors.contract import drain_pages

from .harness import RTHarness, RTTarget


def test_first_poll_starts_from_now(harness: RTHarness) -> None:
    harness.human_create("before the first poll")
    page = harness.connector.poll(None)
    assert page.changes == () and not page.more
    assert page.cursor is not None and int(page.cursor) > 0
    again, _, _ = drain_pages(harness.connector, page.cursor)
    assert again == []


def test_replies_notes_and_the_first_message_become_comment_changes(harness: RTHarness) -> None:
    conn = harness.connector
    _, cursor, _ = drain_pages(conn, None)
    ref = harness.human_create(f"poll {uuid.uuid4().hex[:6]}", "the first message")
    harness.human_comment(ref, "a public reply", public=True)
    harness.human_comment(ref, "an internal note", public=False)
    key = f"k-{uuid.uuid4().hex}"
    conn.update_ticket(ref, status=TicketStatus.ON_HOLD, comment="syncd's note", key=key)
    changes, cursor2, _ = drain_pages(conn, cursor)
    mine = [c for c in changes if c.ref == ref]
    upserts = [c for c in mine if c.kind == ChangeKind.UPSERT]
    assert upserts and upserts[-1].ticket.status == TicketStatus.ON_HOLD
    assert upserts[-1].ticket.requester == "Carol Customer"
    comments = {c.comment.body: c.comment for c in mine if c.kind == ChangeKind.COMMENT}
    assert comments["the first message"].public
    assert comments["a public reply"].public and not comments["a public reply"].by_syncd
    assert not comments["an internal note"].public
    ours = comments["syncd's note"]
    assert ours.by_syncd and ours.marker == key and not ours.public
    # the cursor is exact: nothing comes twice
    again, cursor3, _ = drain_pages(conn, cursor2)
    assert [c for c in again if c.ref == ref] == []
    assert cursor3 == cursor2


def test_small_pages_are_followed(rt_target: RTTarget) -> None:
    harness = RTHarness(rt_target)
    conn = rt_target.connector(page_size=2)
    _, cursor, _ = drain_pages(conn, None, most=100)
    refs = [harness.human_create(f"page {i}") for i in range(3)]
    changes, _, pages = drain_pages(conn, cursor, most=100)
    seen = {c.ref for c in changes if c.kind == ChangeKind.UPSERT}
    assert set(refs) <= seen
    assert pages >= 2


def test_queues_without_rights_or_outside_the_settings_are_not_polled(
    rt_target: RTTarget,
) -> None:
    harness = RTHarness(rt_target)
    only_support = rt_target.connector(queues=["Support"])
    everything = rt_target.connector(queues=[])
    _, cursor, _ = drain_pages(everything, None)
    general = harness.human_create("in General")
    support = harness.human_create("in Support", queue="Support")
    secret = harness.human_create("in Restricted", queue=rt_target.restricted_queue)
    changes, _, _ = drain_pages(only_support, cursor)
    refs = {c.ref for c in changes}
    assert support in refs and general not in refs and secret not in refs
    changes, _, _ = drain_pages(everything, cursor)
    refs = {c.ref for c in changes}
    assert {general, support} <= refs and secret not in refs


def test_cursor_since_starts_after_the_last_transaction_before_the_moment(
    harness: RTHarness,
) -> None:
    conn = harness.connector
    before = harness.human_create(f"before {uuid.uuid4().hex[:6]}")
    time.sleep(1.1)  # RT's times have whole seconds
    moment = datetime.now(UTC)
    time.sleep(1.1)
    after = harness.human_create(f"after {uuid.uuid4().hex[:6]}")
    cursor = conn.cursor_since(moment)
    time.sleep(1.1)
    assert 0 < int(cursor) < int(conn.cursor_since(datetime.now(UTC)))
    changes, _, _ = drain_pages(conn, cursor)
    refs = {c.ref for c in changes if c.kind == ChangeKind.UPSERT}
    assert after in refs and before not in refs


def test_cursor_since_before_every_transaction_is_zero(harness: RTHarness) -> None:
    assert harness.connector.cursor_since(datetime(2001, 1, 1, tzinfo=UTC)) == "0"
