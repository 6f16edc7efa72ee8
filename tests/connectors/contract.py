"""The contract every connector passes, against its emulator (and, for Request Tracker, a real
server).

A connector's test module subclasses :class:`HelpdeskContract` or :class:`TrackerContract`
and provides a ``harness`` fixture returning an object with the attributes of
:class:`Harness`. The harness acts as the humans on the vendor side (an agent, a developer)
through the vendor's own API with another account, never through syncd's code.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from syncd.connector import (
    BatchUpdates,
    Capability,
    HelpdeskConnector,
    TrackerConnector,
    Visibility,
)
from syncd.errors import NotFound
from syncd.model import IssueDraft, IssueStatus, Priority, TicketStatus

from .common_contract import Harness, _Common
from .polling import drain, drain_pages

__all__ = ["Harness", "HelpdeskContract", "TrackerContract", "drain", "drain_pages"]


class HelpdeskContract(_Common):
    """What every helpdesk connector does."""

    def test_read_ticket(self, harness: Harness) -> None:
        conn = harness.connector
        assert isinstance(conn, HelpdeskConnector)
        ref = harness.human_create("printer on fire", "it burns")
        ticket = conn.get_ticket(ref)
        assert ticket.ref == ref and ticket.subject == "printer on fire"
        assert ticket.url.startswith("http")

    def test_missing_ticket_is_not_found(self, harness: Harness) -> None:
        conn = harness.connector
        assert isinstance(conn, HelpdeskConnector)
        with pytest.raises(NotFound):
            conn.get_ticket(harness.missing())

    def test_update_status_priority_tags_and_note_in_one_write(self, harness: Harness) -> None:
        conn = harness.connector
        assert isinstance(conn, HelpdeskConnector)
        ref = harness.human_create("slow login")
        key = f"k-{uuid.uuid4().hex}"
        after = conn.update_ticket(
            ref,
            status=TicketStatus.ON_HOLD,
            priority=Priority.HIGH,
            add_tags=["syncd-linked"],
            comment="filed as #1",
            public=False,
            key=key,
        )
        assert after.status == TicketStatus.ON_HOLD
        again = conn.get_ticket(ref)
        assert again.status == TicketStatus.ON_HOLD
        if Capability.PRIORITY in conn.capabilities:
            assert again.priority == Priority.HIGH
        if Capability.LABELS in conn.capabilities:
            assert "syncd-linked" in again.tags
        note = conn.find_comment(ref, key)
        assert note is not None and not note.public

    def test_public_reply_and_solve(self, harness: Harness) -> None:
        conn = harness.connector
        assert isinstance(conn, HelpdeskConnector)
        ref = harness.human_create("needs an answer")
        conn.update_ticket(
            ref,
            status=TicketStatus.SOLVED,
            comment="fixed, thanks",
            public=True,
            key=f"k-{uuid.uuid4().hex}",
        )
        ticket = conn.get_ticket(ref)
        assert ticket.status == TicketStatus.SOLVED
        replies = [c for c in conn.comments(ref) if "fixed, thanks" in c.body]
        assert replies and replies[0].public

    def test_batch_update_tells_each_ticket_under_its_own_key(self, harness: Harness) -> None:
        conn = harness.connector
        if Capability.BATCH_UPDATE not in conn.capabilities:
            pytest.skip("connector has no batch update")
        assert isinstance(conn, BatchUpdates) and isinstance(conn, HelpdeskConnector)
        refs = [harness.human_create(f"outage {n}") for n in range(3)]
        keys = {ref: f"k-{uuid.uuid4().hex}" for ref in refs}
        gone = harness.missing()
        result = conn.update_tickets(
            {**keys, gone: "k-gone"}, status=TicketStatus.SOLVED, comment="all fixed", public=True
        )
        assert result.done == frozenset(refs) and set(result.failed) == {gone}
        for ref in refs:
            assert conn.get_ticket(ref).status == TicketStatus.SOLVED
            told = conn.find_comment(ref, keys[ref])
            assert told is not None and told.public and told.body == "all fixed"


class TrackerContract(_Common):
    """What every tracker connector does."""

    def test_create_find_read_issue(self, harness: Harness) -> None:
        conn = harness.connector
        assert isinstance(conn, TrackerConnector)
        key = f"k-{uuid.uuid4().hex}"
        draft = IssueDraft(
            title="Crash on save",
            body="Steps:\n\n1. save",
            labels=frozenset({"from-support"}),
            priority=Priority.HIGH,
        )
        made = conn.create_issue(harness.project, draft, key=key)
        assert made.title == "Crash on save" and made.status == IssueStatus.TODO
        assert made.url.startswith("http")
        found = conn.find_issue(harness.project, key, None)
        assert found is not None and found.ref == made.ref and found.marker == key
        assert conn.find_issue(harness.project, "k-unknown", None) is None
        read = conn.get_issue(made.ref)
        assert read.ref == made.ref and "from-support" in read.labels

    def test_says_whether_a_project_is_public(self, harness: Harness) -> None:
        # the outgoing-text gate redacts toward a tracker that cannot tell as if it were public
        conn = harness.connector
        assert Capability.VISIBILITY in conn.capabilities and isinstance(conn, Visibility)
        assert isinstance(conn, TrackerConnector)
        made = conn.create_issue(
            harness.project, IssueDraft(title="t", body="b"), key=f"k-{uuid.uuid4().hex}"
        )
        assert conn.project_of(made.ref) == harness.project
        assert isinstance(conn.is_public(harness.project), bool)

    def test_missing_issue_is_not_found(self, harness: Harness) -> None:
        conn = harness.connector
        assert isinstance(conn, TrackerConnector)
        with pytest.raises(NotFound):
            conn.get_issue(harness.missing())

    @pytest.mark.parametrize("target", [IssueStatus.DONE, IssueStatus.WONT_DO])
    def test_close_and_reopen(self, harness: Harness, target: IssueStatus) -> None:
        conn = harness.connector
        assert isinstance(conn, TrackerConnector)
        made = conn.create_issue(
            harness.project, IssueDraft(title="t", body="b"), key=f"k-{uuid.uuid4().hex}"
        )
        closed = conn.update_issue(made.ref, status=target)
        assert closed.status == target
        assert conn.get_issue(made.ref).status == target
        reopened = conn.update_issue(made.ref, status=IssueStatus.TODO)
        assert not reopened.status.is_closed

    def test_labels_and_priority(self, harness: Harness) -> None:
        conn = harness.connector
        assert isinstance(conn, TrackerConnector)
        made = conn.create_issue(
            harness.project, IssueDraft(title="t", body="b"), key=f"k-{uuid.uuid4().hex}"
        )
        after = conn.update_issue(made.ref, add_labels=["impact:3"], priority=Priority.URGENT)
        if Capability.LABELS in conn.capabilities:
            assert "impact:3" in after.labels
        assert conn.get_issue(made.ref).priority == Priority.URGENT


ContractFactory = Callable[[], Harness]
