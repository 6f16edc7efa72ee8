"""Vendors stamp whole seconds. A snapshot of an issue read before the developer closed it can
carry the close's own second and reach syncd after the close (a poll's page read just before
a webhook): applied as it is, the issue would seem reopened, the ticket reopened and the
customer told twice that the problem is fixed. Such a tie is read again from the vendor."""

from __future__ import annotations

from pathlib import Path

from syncd.model import Change, ChangeKind, IssueStatus, TicketStatus
from syncd.testing.sandbox import Sandbox
from tests.e2e.test_escalation_path import escalate, notes

FIXED = "has been fixed"


def test_an_older_snapshot_in_the_same_second_does_not_reopen(tmp_path: Path) -> None:
    sb = Sandbox(folder=tmp_path, webhooks=True, poll_interval=60.0)
    sb.start()
    try:
        hd, tr = sb.helpdesk, sb.tracker
        ticket, issue_ref = escalate(sb, ["escalate"])
        sb.wait("on hold", lambda: hd.ticket(ticket).status == TicketStatus.ON_HOLD)
        tr.set_status(issue_ref, IssueStatus.DONE)
        sb.wait(
            "solved, customer told",
            lambda: (
                hd.ticket(ticket).status == TicketStatus.SOLVED
                and notes(sb, ticket, public=True, text=FIXED)
            ),
        )
        sb.settle()
        assert sb.service is not None
        store = sb.service.store
        with store.tx() as tx:
            held = store.shadow(tx, str(issue_ref))
        assert held.observed is not None and held.observed["status"] == IssueStatus.DONE.value
        # the issue as a page read just before the close showed it, stamped the same second
        done = sb.service.connectors[issue_ref.connector].get_issue(issue_ref)
        stale = done.model_copy(update={"status": IssueStatus.TODO, "updated_at": held.observed_at})
        with store.tx() as tx:
            store.enqueue(
                tx,
                [Change(kind=ChangeKind.UPSERT, ref=issue_ref, issue=stale, source="poll")],
            )
        sb.service.drain()
        sb.settle()
        assert hd.ticket(ticket).status == TicketStatus.SOLVED  # not reopened
        assert len(notes(sb, ticket, public=True, text=FIXED)) == 1  # told once
        with store.tx() as tx:
            assert store.shadow(tx, str(issue_ref)).observed["status"] == IssueStatus.DONE.value
    finally:
        sb.stop()
