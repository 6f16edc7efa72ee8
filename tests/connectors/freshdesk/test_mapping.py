"""Freshdesk's numbers, fields and HTML bodies to syncd's values and back, table-driven."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from connectors.freshdesk.mapping import (
    Context,
    fields_by_name,
    priority_from_raw,
    priority_to_raw,
    status_from_raw,
    status_to_raw,
    update_body,
)
from connectors.freshdesk.settings import FreshdeskSettings
from connectors.freshdesk.text import from_html, to_html
from syncd.model import Priority, TicketStatus

CUSTOM = {6: TicketStatus.PENDING, 7: TicketStatus.ON_HOLD, 9: TicketStatus.ON_HOLD}


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (2, TicketStatus.OPEN),
        (3, TicketStatus.PENDING),
        (4, TicketStatus.SOLVED),
        (5, TicketStatus.CLOSED),
        (6, TicketStatus.PENDING),
        (7, TicketStatus.ON_HOLD),
        (8, TicketStatus.OPEN),  # a custom status the config does not list
        (None, TicketStatus.OPEN),
        ("4", TicketStatus.OPEN),  # never read from text
        (True, TicketStatus.OPEN),
    ],
)
def test_statuses_read(raw: Any, status: TicketStatus) -> None:
    assert status_from_raw(raw, CUSTOM) == status


@pytest.mark.parametrize(
    ("status", "custom", "raw"),
    [
        (TicketStatus.NEW, CUSTOM, 2),
        (TicketStatus.OPEN, CUSTOM, 2),
        (TicketStatus.PENDING, CUSTOM, 3),
        (TicketStatus.SOLVED, CUSTOM, 4),
        (TicketStatus.CLOSED, CUSTOM, 5),
        (TicketStatus.ON_HOLD, CUSTOM, 7),  # the first custom status listed as on_hold
        (TicketStatus.ON_HOLD, {}, 3),  # none: Pending
    ],
)
def test_statuses_written(status: TicketStatus, custom: Any, raw: int) -> None:
    assert status_to_raw(status, custom) == raw


@pytest.mark.parametrize(
    ("raw", "priority"),
    [(1, Priority.LOW), (2, Priority.NORMAL), (3, Priority.HIGH), (4, Priority.URGENT)],
)
def test_priorities_both_ways(raw: int, priority: Priority) -> None:
    assert priority_from_raw(raw) == priority and priority_to_raw(priority) == raw


@pytest.mark.parametrize("raw", [0, 5, None, "2", 2.0, False])
def test_other_priorities_read_as_none(raw: Any) -> None:
    assert priority_from_raw(raw) is None


def test_custom_fields_by_the_configured_names() -> None:
    raw = {"cf_dev_issue": "JIRA-7", "cf_vip": True, "cf_empty": "", "cf_other": "x"}
    names = {"dev_issue": "cf_dev_issue", "vip": "cf_vip", "empty": "cf_empty", "gone": "cf_gone"}
    assert fields_by_name(raw, names) == {"dev_issue": "JIRA-7", "vip": "true"}
    assert fields_by_name(None, names) == {} and fields_by_name([1], names) == {}


def test_an_update_body_names_fields_by_freshdesk_name_and_sends_all_tags() -> None:
    ctx = Context(connector="fd", custom_statuses=CUSTOM, custom_fields={"impact": "cf_impact"})
    body = update_body(
        status=TicketStatus.ON_HOLD,
        priority=Priority.HIGH,
        tags=["a", "b"],
        fields={"impact": "3"},
        ctx=ctx,
    )
    assert body == {
        "status": 7,
        "priority": 3,
        "tags": ["a", "b"],
        "custom_fields": {"cf_impact": "3"},
    }
    with pytest.raises(KeyError):
        update_body(fields={"unknown": "1"}, ctx=ctx)


@pytest.mark.parametrize(
    "text",
    [
        "hello **dev**",
        "line one\nline two\n\n- a list item\n- <b>not bold</b> & more",
        "    indented code\n\n`x < 3 && y > 2`",
        "ünïcødé ✓ 𝄞",
    ],
)
def test_bodies_read_back_as_written_with_their_key(text: str) -> None:
    html = to_html(text, "k-1")
    assert "<b>" not in html and "<!-- syncd:key=k-1 -->" in html
    assert from_html(html) == (text, "k-1")
    assert from_html(to_html(text)) == (text, None)


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<div>This is a private note</div>", "This is a private note"),
        ("<p>Hi</p><p>there&nbsp;&amp; you</p>", "Hi\nthere & you"),
        ("<div>a<br/>b</div><script>alert(1)</script><style>p{}</style>", "a\nb"),
        ("<blockquote>quoted</blockquote>tail", "quoted\ntail"),
        ("", ""),
        (None, ""),
    ],
)
def test_freshdesk_html_reads_as_text(html: str | None, text: str) -> None:
    assert from_html(html) == (text, None)


@pytest.mark.parametrize("ids", [{3: "pending"}, {1: "open"}, {5: "closed"}])
def test_custom_statuses_may_not_take_freshdesks_own_ids(ids: dict[int, str]) -> None:
    with pytest.raises(ValidationError, match="custom statuses have ids from 6"):
        FreshdeskSettings.model_validate({"base_url": "https://x", "custom_statuses": ids})
