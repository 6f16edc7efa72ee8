"""The demo's supplier story, by e-mail through the built-in mail emulator: a Zendesk ticket
tagged ``escalate`` + ``supplier`` is mailed to the supplier as a case (its reference in the
subject, personal data redacted), the ticket waits on-hold, the agent's /dev note follows in
the case's thread, the supplier's answer comes back (IMAP IDLE) as an internal note, and the
supplier's ``#resolved`` hands the ticket back to the customer as solved."""

from __future__ import annotations

from email.message import Message
from typing import Any, NamedTuple

from syncd.demo.story import Report, Step, Steps, _issue_for
from syncd.model import TicketStatus
from syncd.testing.sandbox import Sandbox

SUPPLIER = "help@supplier.test"


def route() -> dict[str, object]:
    """The demo config's supplier route: Zendesk's `escalate` + `supplier` by mail."""
    return {
        "name": "supplier",
        "helpdesk": "zendesk",
        "match": {"tags": ["escalate", "supplier"]},
        "mode": "pending",
        "target": {"connector": "email", "project": SUPPLIER},
        "history": {"mode": "off"},  # the ticket's conversation stays with support
        "templates": {
            "dev_comment": "**{{ comment.author }}** (supplier) answered:\n\n{{ comment.body }}",
            "resolved": "Good news: our supplier has fixed the problem you reported.",
        },
    }


class Mail(NamedTuple):
    """A mail the supplier got, shown by its subject."""

    body: str
    message: Message


def _mails(found: list[Message]) -> list[Mail]:
    return [Mail(" ".join(str(m["Subject"]).split()), m) for m in found]


def play_supplier(sb: Sandbox, report: Report, timeout: float = 20.0) -> bool:
    """Play the supplier's story; True when every step was observed."""
    hd, supplier = sb.helpdesk, sb.actor("email")
    step = Steps(sb, report, timeout)

    def note(ticket: Any, text: str, *, public: bool) -> list[Any]:
        return [c for c in hd.comments(ticket) if c.public == public and text in c.body]

    ticket = hd.create_ticket(
        "Label printer prints blank pages",
        "Since the driver update every label is blank. Call me on +44 20 7946 0958.",
        tags=["escalate", "supplier"],
        requester="Edsger Dijkstra",
    )
    report(Step("a ticket tagged `escalate` + `supplier` (mailed to the supplier)", True, ""))
    case = step("a case is opened for it", lambda: _issue_for(sb, ticket))
    opened = step(
        f"the supplier ({SUPPLIER}) gets the case by mail, its phone number redacted",
        lambda: _mails(
            [
                m
                for m in supplier.case_mails(case.key, reply=False)
                if "7946 0958" not in str(m.get_body(("plain",)).get_content())
            ]
        ),
    )
    step("ticket on-hold, customer told", lambda: hd.ticket(ticket).status == TicketStatus.ON_HOLD)
    if step.ok:
        hd.comment(ticket, "/dev The customer uses driver 3.1 on a Zebra ZD421.", public=False)
    follow = step(
        "the agent's /dev note reaches the supplier in the case's thread (In-Reply-To)",
        lambda: _mails(
            [
                m
                for m in supplier.case_mails(case.key, reply=True)
                if str(m["In-Reply-To"]) == str(opened[0].message["Message-ID"])
            ]
        ),
    )
    if step.ok:
        supplier.reply(
            follow[0].message, "Driver 3.1 drops the print density setting; we are on it."
        )
    step(
        "the supplier's answer reaches the ticket as an internal note only",
        lambda: (
            note(ticket, "print density", public=False)
            and not note(ticket, "print density", public=True)
        ),
    )
    if step.ok:
        supplier.resolve(follow[0].message, "Fixed in driver 3.2, released today.")
    step(
        "the supplier writes `#resolved` → ticket solved, customer told",
        lambda: (
            hd.ticket(ticket).status == TicketStatus.SOLVED
            and note(ticket, "our supplier has fixed", public=True)
        ),
    )
    return step.ok
