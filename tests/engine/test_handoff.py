"""Developers' replies to the customer and the agent's reminder, planned."""

from __future__ import annotations

from datetime import timedelta

from syncd.engine.actions import ActionKind
from syncd.engine.handoff import plan_reminder, to_customer
from syncd.model import Comment, LinkState, Ref
from tests.engine.test_support_fields import ISSUE, T0, link, rules


def dev(body: str, author: str = "dev-alice") -> Comment:
    return Comment(ref=Ref.comment("jira", "9"), parent=ISSUE, author=author, body=body)


def test_only_prefixed_comments_reach_the_customer_signed() -> None:
    r = rules()
    reply = to_customer(link(), dev("/customer  Fixed in 2.4."), r)
    assert reply is not None and reply.public and reply.target.kind.value == "ticket"
    assert reply.body == "Fixed in 2.4.\n\n— dev-alice (engineering)"
    assert reply.route == "widgets" and reply.message == "dev_to_customer"
    assert to_customer(link(), dev("Fixed in 2.4."), r) is None
    assert to_customer(link(), dev("/customer   "), r) is None
    assert to_customer(link(LinkState.RESOLVED), dev("/customer hi"), r) is None
    signed = rules(handoff={"display_name": "Acme Engineering"})
    out = to_customer(link(), dev("/customer hi"), signed)
    assert out is not None and out.body == "hi\n\n— Acme Engineering"
    off = rules(handoff={"customer_prefix": None})
    assert to_customer(link(), dev("/customer hi"), off) is None


def test_reminder_once_the_time_has_passed() -> None:
    r = rules(handoff={"remind_after": "4h"})
    assert plan_reminder(link(), r, T0 + timedelta(hours=3), T0) == []
    (note,) = plan_reminder(link(), r, T0 + timedelta(hours=4), T0)
    assert note.kind == ActionKind.ADD_COMMENT and not note.public
    assert note.key == "contact_reminder:1" and "4h after" in (note.body or "")
    assert plan_reminder(link(), rules(), T0 + timedelta(days=9), T0) == []  # none configured
