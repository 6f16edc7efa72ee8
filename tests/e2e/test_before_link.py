"""Changes that arrive between "escalation planned" and "link committed" wait for the link.

Each kind of change a support agent or a customer makes to an escalated ticket (a public
reply, a ``/dev`` note, a priority or status change, a second escalation tag) is made once
right after the escalation, before syncd has filed the issue, and once after the link exists.
Both runs must end in the same state on both sides: the change is copied exactly once, as if
it had come later. The daemon's worker and runner are driven by hand (``Service.drain``), so
the order is exact; the webhooks and the writes go over HTTP to the emulators.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from syncd.model import Ref
from syncd.store import outbox
from syncd.store.repository import Store
from syncd.store.tables import cursors
from syncd.testing.sandbox import Sandbox
from tests.chaos.daemon import separate_daemon
from tests.chaos.harness import copying_routes, customer_reply
from tests.e2e.driven import PROJECT, ROUTES, Driven


def _reply(d: Driven, ticket: Ref) -> None:
    d.zendesk.add_comment(
        int(ticket.key), "It also fails with 10 rows.", public=True, author=d.requester(ticket)
    )


def _dev_note(d: Driven, ticket: Ref) -> None:
    d.sb.helpdesk.comment(ticket, "/dev Customer runs 4.2 on Windows", public=False)


def _urgent(d: Driven, ticket: Ref) -> None:
    d.zendesk.update(int(ticket.key), priority="urgent")


def _pending(d: Driven, ticket: Ref) -> None:
    d.zendesk.set_status(int(ticket.key), "pending")


def _second_tag(d: Driven, ticket: Ref) -> None:
    tags = d.zendesk.ticket(int(ticket.key))["tags"]
    d.zendesk.update(int(ticket.key), tags=[*tags, "escalate-again"])


CHANGES = {
    "customer reply": _reply,
    "/dev note": _dev_note,
    "priority": _urgent,
    "status": _pending,
    "second escalation tag": _second_tag,
}


@pytest.mark.parametrize("kind", list(CHANGES))
def test_a_change_before_the_link_ends_as_one_after_it(
    driven: Callable[[str], Driven], kind: str
) -> None:
    change = CHANGES[kind]

    early = driven("early")
    ticket = early.escalate()
    change(early, ticket)
    early.delivered()
    with early.service.store.tx() as tx:  # both are in the inbox, the escalation not planned
        assert outbox.escalating(tx, str(ticket)) is None
    early.work()

    late = driven("late")
    ticket_late = late.escalate()
    late.work()
    late.issue(ticket_late)  # linked and handed off before the change is made
    change(late, ticket_late)
    late.work()

    assert ticket == ticket_late  # fresh emulators give the same ids: outcomes compare
    assert early.outcome(ticket) == late.outcome(ticket_late)


def test_reply_and_note_before_the_link_are_copied_once(driven: Callable[[str], Driven]) -> None:
    """The losses the issue reported, shown directly: both reach the issue exactly once."""
    d = driven("once")
    ticket = d.escalate()
    _reply(d, ticket)
    _dev_note(d, ticket)
    d.work()
    d.work()  # nothing more to do: a second pass adds nothing
    bodies = [c.body for c in d.sb.tracker.comments(d.issue(ticket))]
    assert sum("fails with 10 rows" in b for b in bodies) == 1
    assert sum("4.2 on Windows" in b for b in bodies) == 1
    assert d.service.store.depth() == {"inbox": 0, "outbox": 0, "dead": 0}


def test_reply_while_the_tracker_fails_reaches_the_issue(tmp_path: Path) -> None:
    """The daemon runs throughout; GitHub answers 503 to every create for a while, during
    which the ticket is escalated and the customer replies twice. Once GitHub is back, the
    issue carries both replies exactly once."""
    with Sandbox(folder=tmp_path, webhooks=True, poll_interval=3600.0, routes=ROUTES) as sb:
        faults = sb.sides["github"].emulator.control.faults
        outage = faults.add("status", status=503, method="POST", path=r"/issues$", times=None)
        ticket = sb.helpdesk.create_ticket("Export crashes", "Crashes.", tags=["escalate"])
        requester = int(sb.helpdesk.emulator.ticket(int(ticket.key))["requester_id"])
        for text in ("first reply", "second reply"):
            sb.helpdesk.emulator.add_comment(int(ticket.key), text, author=requester)
        sb.wait("creates refused", lambda: outage.fired >= 3)
        time.sleep(3.0)  # the outage goes on while both replies wait for the link
        faults.clear()
        issue = sb.wait("issue filed", lambda: _linked(sb, ticket), timeout=30)
        sb.wait(
            "both replies on the issue",
            lambda: all(
                any(text in c.body for c in sb.tracker.comments(issue))
                for text in ("first reply", "second reply")
            ),
            timeout=30,
        )
        sb.settle()
        bodies = [c.body for c in sb.tracker.comments(issue)]
        assert [sum(t in b for b in bodies) for t in ("first reply", "second reply")] == [1, 1]
        assert len(sb.tracker.issues(PROJECT)) == 1


def _linked(sb: Sandbox, ticket: Ref) -> Ref | None:
    assert sb.service is not None
    with sb.service.store.tx() as tx:
        link = sb.service.store.link_for_ticket(tx, str(ticket))
    return Ref.parse(link.issue_ref) if link else None


def test_escalated_and_answered_while_the_daemon_is_stopped(tmp_path: Path) -> None:
    """``syncd run`` is stopped with SIGTERM; meanwhile an agent escalates a ticket, the
    customer replies and the agent adds a ``/dev`` note (their webhooks are refused). Started
    again, syncd polls all three in and files the issue with the reply and the note on it."""
    sb, daemon, _ = separate_daemon(tmp_path, routes=copying_routes())
    try:
        daemon.start()
        sb.wait("first poll done", lambda: _cursors(tmp_path) >= 2, timeout=30)
        assert daemon.stop() == 0
        time.sleep(1.1)  # the helpdesk's export has one-second cursors
        ticket = sb.helpdesk.create_ticket("Export crashes", "Crashes.", tags=["escalate"])
        customer_reply(sb, ticket, "reply while stopped")
        sb.helpdesk.comment(ticket, "/dev note while stopped", public=False)
        daemon.start()
        issue = sb.wait("issue filed", lambda: _issue_titled(sb, "Export crashes"), timeout=30)
        sb.wait(
            "reply and note on the issue",
            lambda: all(
                any(text in c.body for c in sb.tracker.comments(issue))
                for text in ("reply while stopped", "note while stopped")
            ),
            timeout=30,
        )
        time.sleep(1.5)  # later polls and echoes must add nothing
        bodies = [c.body for c in sb.tracker.comments(issue)]
        assert sum("reply while stopped" in b for b in bodies) == 1
        assert sum("note while stopped" in b for b in bodies) == 1
        assert daemon.stop() == 0
        assert not daemon.errors()
    finally:
        daemon.stop()
        sb.stop()


def _cursors(folder: Path) -> int:
    """How many connectors have a stored poll cursor in the separate daemon's store."""
    store = Store.open(f"sqlite:///{folder / 'run.db'}", migrate=False)
    try:
        with store.tx() as tx:
            return int(tx.execute(sa.select(sa.func.count()).select_from(cursors)).scalar() or 0)
    except sa.exc.OperationalError:
        return 0  # not created yet
    finally:
        store.close()


def _issue_titled(sb: Sandbox, title: str) -> Ref | None:
    return next((i.ref for i in sb.tracker.issues(PROJECT) if i.title == title), None)


def test_developer_comment_on_an_issue_not_yet_linked(driven: Callable[[str], Driven]) -> None:
    """The tracker files the issue but its answer is lost, and the read that would find it
    fails too; a developer comments on the new issue before syncd has recorded it. The
    comment waits for the link and reaches the ticket once."""
    d = driven("issue-side")
    faults = d.sb.sides["github"].emulator.control.faults
    faults.add("reset_after", method="POST", path=r"/repos/acme/widgets/issues$", times=1)
    lookups = faults.add("status", status=503, method="GET", path=r"/issues$", times=None)
    ticket = d.escalate()
    d.work()
    assert lookups.fired > 0
    issue = d.sb.tracker.issues(PROJECT)[0].ref  # filed, though syncd does not know it yet
    d.sb.tracker.comment(issue, "Reproduced on main.")
    d.delivered()
    faults.clear()
    linked = d.sb.wait("the create's retry", lambda: d.work() or d.linked(ticket), timeout=30)
    assert linked == issue
    notes = [c.body for c in d.sb.helpdesk.comments(ticket) if not c.public]
    assert sum("Reproduced on main." in b for b in notes) == 1
    assert len(d.sb.tracker.issues(PROJECT)) == 1


def test_a_reply_that_overtakes_its_escalation_is_caught_up(
    driven: Callable[..., Driven],
) -> None:
    """Polling only, with a long backlog of tickets: the helpdesk's comment stream runs ahead
    of its ticket stream, so a customer's reply and an agent's note come in before the
    escalation of their ticket does, find no link and nothing in flight, and are dropped.
    When the escalation comes in, the link's catch-up reads the ticket's comments and copies
    both, once; the ticket's first message stays in the issue's description only."""
    d = driven("overtaken", webhooks=False, overrides={"zendesk": {"page_size": 1}})
    assert d.service.poller.poll_all() == 0  # the poll cursor starts now
    time.sleep(1.1)  # the helpdesk's export has one-second cursors
    d.sb.helpdesk.create_ticket("Earlier", "An older escalation first.", tags=["escalate"])
    ticket = d.escalate()
    _reply(d, ticket)
    _dev_note(d, ticket)
    # one page per ticket, every comment event on the first: in the inbox, the reply and the
    # note come before their ticket's escalation
    d.service.poller.poll_all()
    with d.service.store.tx() as tx:
        rows = tx.execute(sa.text("select ref, change from inbox order by id")).all()
    kinds = [json.loads(c)["kind"] for ref, c in rows if ref == str(ticket)]
    assert kinds.index("comment") < kinds.index("upsert")
    d.work()
    d.work()
    bodies = [c.body for c in d.sb.tracker.comments(d.issue(ticket))]
    assert sum("fails with 10 rows" in b for b in bodies) == 1
    assert sum("4.2 on Windows" in b for b in bodies) == 1
    assert not any("Crashes every time." in b for b in bodies)  # the description is not a reply
    assert d.service.store.depth() == {"inbox": 0, "outbox": 0, "dead": 0}
