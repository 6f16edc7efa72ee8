"""Ticket reads and writes beyond the contract: creating in a queue, the link custom field
that finds what syncd made before a crash, routing fields, statuses and priorities."""

from __future__ import annotations

import uuid

from syncd.model import Priority, TicketStatus

from .harness import RTHarness, RTTarget


def test_create_in_a_queue_and_read_back(harness: RTHarness) -> None:
    conn = harness.connector
    made = conn.create_ticket(
        "from syncd",
        "the body",
        queue="Support",
        requester="carol@example.com",
        fields={"Product": "Widget"},
        priority=Priority.HIGH,
    )
    assert made.group == "Support" and made.subject == "from syncd"
    assert made.description == "the body"
    assert made.requester == "Carol Customer"  # the RealName, never the address
    assert made.fields["Product"] == "Widget"
    assert made.priority == Priority.HIGH and made.status == TicketStatus.NEW
    base = harness.target.base_url
    assert made.url == f"{base}/Ticket/Display.html?id={made.ref.key}"


def test_link_field_finds_the_ticket_again(harness: RTHarness) -> None:
    conn = harness.connector
    ref = harness.human_create("link me")
    url = f"https://github.com/acme/app/issues/{uuid.uuid4().int % 100000}"
    after = conn.update_ticket(ref, fields={"Developer issue": url})
    assert after.fields["Developer issue"] == url
    assert conn.find_by_link(url) == [ref]
    assert conn.find_by_link(url + "0") == []


def test_routing_sees_queue_and_custom_fields(harness: RTHarness) -> None:
    ref = harness.human_create("route me", queue="Support", fields={"Product": "Gadget"})
    ticket = harness.connector.get_ticket(ref)
    assert ticket.group == "Support" and ticket.fields == {"Product": "Gadget"}
    assert ticket.description == "route me (body)"


def test_statuses_round_trip(harness: RTHarness) -> None:
    conn = harness.connector
    ref = harness.human_create("statuses")
    for status, expected in [
        (TicketStatus.OPEN, TicketStatus.OPEN),
        (TicketStatus.PENDING, TicketStatus.ON_HOLD),  # both waiting states are "stalled"
        (TicketStatus.SOLVED, TicketStatus.SOLVED),
        (TicketStatus.CLOSED, TicketStatus.SOLVED),  # closed writes "resolved" by default
    ]:
        assert conn.update_ticket(ref, status=status).status == expected


def test_closed_may_write_rejected(rt_target: RTTarget) -> None:
    harness = RTHarness(rt_target)
    conn = rt_target.connector(closed_status="rejected")
    ref = harness.human_create("reject me")
    assert conn.update_ticket(ref, status=TicketStatus.CLOSED).status == TicketStatus.CLOSED


def test_priorities_round_trip(harness: RTHarness) -> None:
    conn = harness.connector
    ref = harness.human_create("priorities")
    for priority in Priority:
        assert conn.update_ticket(ref, priority=priority).priority == priority


def test_hand_off_redirect_message_and_link_in_one_reply(harness: RTHarness) -> None:
    conn = harness.connector
    ref = harness.human_create("redirect me")
    url = "https://github.com/acme/app/issues/7"
    key = f"k-{uuid.uuid4().hex}"
    after = conn.update_ticket(
        ref,
        status=TicketStatus.SOLVED,
        fields={"Developer issue": url},
        comment=f"Follow the work at {url}",
        public=True,
        key=key,
    )
    assert after.status == TicketStatus.SOLVED and after.fields["Developer issue"] == url
    reply = conn.find_comment(ref, key)
    assert reply is not None and reply.public and reply.body == f"Follow the work at {url}"
    # the key lives in a transaction field, not in the text the customer reads
    assert key not in reply.body
