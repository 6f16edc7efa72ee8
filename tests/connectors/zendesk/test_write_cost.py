"""What a write costs in requests: a comment is one update, its comment read from the answer."""

from __future__ import annotations

from .conftest import ZendeskHarness


def test_add_comment_is_one_request(harness: ZendeskHarness) -> None:
    ticket = harness.human_create("Printer on fire")
    conn = harness.connector
    conn.check()
    conn.add_comment(ticket, "first", public=False, key="k-0")  # names learnt once
    before = harness.emu.control.total()
    made = conn.add_comment(ticket, "Engineering is on it.", public=False, key="k-1")
    assert harness.emu.control.total() - before == 1
    assert made.marker == "k-1"
    assert made.body == "Engineering is on it."
    assert made.public is False
    # the comment found in the answer is the one a later read lists
    assert conn.find_comment(ticket, "k-1") == made
