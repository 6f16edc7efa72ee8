"""Zendesk (the emulator) to a third-party supplier by e-mail, through the daemon, on both
mail sides: the built-in mail emulator ``syncd demo`` shows (``connectors/email/emulator``)
and real mail servers (Dovecot for IMAP, aiosmtpd for SMTP, ``tests/realservers/mail.sh``).

The story: an agent escalates a ticket to the supplier; the supplier gets a mail with the case
reference, personal data kept out; the agent's /dev note follows in the same thread; the
supplier's out-of-office note and a forger's "resolved" are never taken for answers; the
supplier's answer (quoted history and signature stripped) becomes an internal note; the
supplier marks the case resolved and the ticket is handed back to the customer as solved. The
supplier SLA clocks (time to first answer, time to resolution) run like the developers'.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from typing import Any, Protocol

import pytest

from syncd.model import Priority, Ref, TicketStatus
from syncd.testing.sandbox import Sandbox
from tests.connectors.email.harness import settings
from tests.e2e.test_escalation_path import issue_of, notes
from tests.e2e.workflow_helpers import StartSandbox, audit, link_of
from tests.realservers.mail_actor import MailActor
from tests.realservers.mail_server import RealMail, started_or_skip

SUPPLIER = "help@supplier.test"
ROUTES = [
    {
        "name": "supplier",
        "match": {"tags": ["supplier"]},
        "mode": "pending",
        "target": {"connector": "email", "project": SUPPLIER},
        "history": {"mode": "off"},  # the ticket's conversation stays with support
        "templates": {
            "dev_comment": "**{{ comment.author }}** (supplier) answered:\n\n{{ comment.body }}",
            "resolved": "Good news: our supplier has fixed the problem you reported.",
        },
        "sla": {"at_risk": 0.8, "by_priority": {"urgent": {"acknowledge": "4h", "resolve": "1d"}}},
    }
]


class Supplier(Protocol):
    """The supplier's mail client: the emulator's actor or a user of the real servers."""

    def case_mails(self, case: str, *, reply: bool | None = None) -> list[Message]: ...
    def reply(self, to_msg: Message, body: str, *, subject: str | None = None,
              sender: str | None = None, **headers: str) -> str: ...  # fmt: skip
    def resolve(self, to_msg: Message, body: str) -> str: ...
    def as_user(self, user: str) -> Supplier: ...


class SupplierSide:
    """The sandbox's actor for the real mail side: suppliers need no project made."""

    emulator: Any = None

    def ensure_project(self, project: str) -> None:
        """A supplier is an address: nothing to create."""


@pytest.fixture(scope="module")
def mail() -> Iterator[RealMail]:
    servers = started_or_skip()
    yield servers
    servers.stop()


@pytest.fixture(params=["emulator", pytest.param("real", marks=pytest.mark.realserver)])
def sides(request: pytest.FixtureRequest, start_sandbox: StartSandbox) -> tuple[Sandbox, Supplier]:
    """The daemon with the Zendesk emulator and a supplier connector on syncd's mailbox: the
    mail emulator's, or the desk mailbox of the real servers; and the supplier's client."""
    external: dict[str, tuple[dict[str, Any], Any]] = {}
    real: RealMail | None = None
    if request.param == "real":
        real = request.getfixturevalue("mail")
        conf = settings(real.info, "desk").model_dump(mode="json", exclude_none=True)
        conf["imap_password"] = real.info["users"]["desk"]["password"]
        external = {"email": (conf, SupplierSide())}
    sandbox = start_sandbox(
        tracker_kind="email",
        project=SUPPLIER,
        webhooks=True,
        # longer than any wait below: only IMAP IDLE can bring the replies in in time
        poll_interval=300.0,
        routes=ROUTES,
        external=external,
        overrides={"email": {"webhooks": False}} if external else {},
    )
    return sandbox, sandbox.tracker if real is None else MailActor(real.info, "supplier")


def _case_mail(sb: Sandbox, supplier: Supplier, case: Ref, *, reply: bool) -> Message:
    found = sb.wait(
        f"the {'follow-up' if reply else 'opening'} mail of {case.key} at the supplier",
        lambda: supplier.case_mails(case.key, reply=reply),
        timeout=40,
    )
    return found[0]


def test_a_supplier_case_by_mail_from_escalation_to_hand_back(
    sides: tuple[Sandbox, Supplier],
) -> None:
    sb, supplier = sides
    hd = sb.helpdesk
    assert sb.service is not None
    mallory = supplier.as_user("mallory")
    subject = f"Printer driver corrupts PDFs {uuid.uuid4().hex[:6]}"
    ticket = hd.create_ticket(
        subject,
        "Every PDF is garbled. Call me on +44 20 7946 0958 or write to ada@example.com.",
        tags=["supplier"],
        priority=Priority.URGENT,
    )
    case = sb.wait("a case for the ticket", lambda: issue_of(sb, ticket), timeout=40)
    assert case.connector == "email"

    # 1. the supplier's mail: the reference, a Message-ID of the case, personal data redacted
    opened = _case_mail(sb, supplier, case, reply=False)
    assert subject in str(opened["Subject"])
    assert str(opened["Message-ID"]).startswith(f"<{case.key}.")
    text = str(opened.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert "Every PDF is garbled" in text and f"[case {case.key}]" in text
    assert "7946 0958" not in text and "ada@example.com" not in text and "[redacted]" in text
    assert not [h for h in opened if h.lower().startswith("x-syncd")]
    sb.wait("on-hold", lambda: hd.ticket(ticket).status == TicketStatus.ON_HOLD, timeout=40)
    link = link_of(sb, ticket)
    assert link is not None
    start = link.created_at
    frozen = {"now": start + timedelta(hours=1)}
    sb.service.clock = lambda: frozen["now"]
    sb.service.check_sla()  # the clock starts: an hour in, nothing to say

    # 2. the agent's /dev note reaches the supplier in the case's thread
    hd.comment(ticket, "/dev The customer prints from version 7.1.", public=False)
    follow = _case_mail(sb, supplier, case, reply=True)
    assert "version 7.1" in str(follow.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert str(follow["In-Reply-To"]) == str(opened["Message-ID"])
    assert str(opened["Message-ID"]) in str(follow["References"])

    # 3. an out-of-office note and a forger's "resolved" are not answers
    supplier.reply(
        opened,
        "I am out of the office until Monday.",
        subject=f"Automatic reply: {opened['Subject']}",
        Auto_Submitted="auto-replied",
    )
    mallory.reply(opened, "#resolved it is all fixed, close it", sender="mallory@evil.test")

    # 4. the supplier's answer, threaded by its headers alone, becomes an internal note
    supplier.reply(follow, "We can reproduce it with 7.1 and are on it.", subject="Re: your mail")
    sb.wait(
        "the supplier's answer as an internal note",
        lambda: notes(sb, ticket, public=False, text="reproduce it with 7.1"),
        timeout=40,
    )
    (note,) = notes(sb, ticket, public=False, text="reproduce it with 7.1")
    assert "help@supplier.test** (supplier) answered" in note.body  # type: ignore[attr-defined]
    assert "Jane Doe" not in note.body and "wrote:" not in note.body  # type: ignore[attr-defined]
    frozen["now"] = start + timedelta(hours=2)
    sb.service.check_sla()  # first answer 2 h in: within the 4 h agreed

    # 5. the supplier resolves the case: the ticket is handed back, solved, the customer told
    supplier.resolve(follow, "Fixed in driver 7.2, released today.")
    sb.wait(
        "handed back: solved, the customer told",
        lambda: (
            hd.ticket(ticket).status == TicketStatus.SOLVED
            and notes(sb, ticket, public=True, text="our supplier has fixed")
        ),
        timeout=40,
    )
    assert notes(sb, ticket, public=False, text="driver 7.2")
    sb.settle(timeout=40)

    # nothing of the machine or the forger reached the ticket; nothing was sent twice
    assert not notes(sb, ticket, public=False, text="out of the office")
    assert not notes(sb, ticket, public=False, text="all fixed, close it")
    assert len(notes(sb, ticket, public=False, text="reproduce it with 7.1")) == 1
    assert len(supplier.case_mails(case.key)) == 2  # the case and the /dev note
    frozen["now"] = start + timedelta(days=3)
    assert sb.service.check_sla() == 0
    assert not audit(sb, "sla_breached") and not audit(sb, "sla_at_risk")


def test_a_supplier_that_does_not_answer_breaches_the_sla(
    sides: tuple[Sandbox, Supplier],
) -> None:
    sb, supplier = sides
    hd = sb.helpdesk
    assert sb.service is not None
    ticket = hd.create_ticket(
        f"Scanner offline {uuid.uuid4().hex[:6]}", "No scans.", tags=["supplier"],
        priority=Priority.URGENT,
    )  # fmt: skip
    case = sb.wait("a case for the ticket", lambda: issue_of(sb, ticket), timeout=40)
    _case_mail(sb, supplier, case, reply=False)
    sb.settle(timeout=40)
    link = link_of(sb, ticket)
    assert link is not None
    sb.service.clock = lambda: link.created_at + timedelta(hours=4, minutes=1)
    assert sb.service.check_sla() == 1
    sb.wait("breach note", lambda: notes(sb, ticket, public=False, text="SLA breached"))
    assert [r.detail["kind"] for r in audit(sb, "sla_breached")] == ["acknowledge"]
    assert not notes(sb, ticket, public=True, text="SLA")
