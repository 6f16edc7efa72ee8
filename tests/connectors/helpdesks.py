"""What the Freshdesk and Zendesk connector tests share beyond the contract: the failures
both emulators stage the same way, each at its own API's paths, and what syncd's connector
makes of them."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import pytest

from syncd.connector import HelpdeskConnector
from syncd.errors import NotFound, RateLimited, TransientError
from syncd.model import TicketStatus


class HelpdeskFaults:
    """A subclass names where its emulator's API answers: ``check_path``, the account call
    ``check()`` makes; ``ticket_path``, one ticket's; ``update_method``, the method of the
    write that adds a note. The ``harness`` fixture is the helpdesk's (``emu``, ``connector``,
    ``human_create``, ``missing``)."""

    check_path: ClassVar[str]
    ticket_path: ClassVar[str]
    update_method: ClassVar[str]

    def test_429_carries_retry_after(self, harness: Any) -> None:
        harness.emu.control.faults.add("rate_limit", path=self.check_path, seconds=7)
        with pytest.raises(RateLimited) as err:
            harness.connector.check()
        assert err.value.retry_after == 7

    def test_server_error_is_transient(self, harness: Any) -> None:
        ref = harness.human_create("flaky")
        harness.emu.control.faults.add("status", status=503, path=self.ticket_path)
        with pytest.raises(TransientError) as err:
            harness.connector.get_ticket(ref)
        assert err.value.status == 503
        assert harness.connector.get_ticket(ref).ref == ref

    def test_timeout_is_transient(self, harness: Any) -> None:
        ref = harness.human_create("slow")
        harness.emu.control.faults.add("latency", path=self.ticket_path, seconds=1.5)
        with pytest.raises(TransientError):
            harness.connector.get_ticket(ref)

    def test_reset_is_transient(self, harness: Any) -> None:
        harness.emu.control.faults.add("reset", path=self.check_path)
        with pytest.raises(TransientError):
            harness.connector.check()

    def test_lost_update_is_found_by_its_key(self, harness: Any) -> None:
        """The note lands but its answer is lost: the retry finds it instead of doubling it."""
        conn: HelpdeskConnector = harness.connector
        ref = harness.human_create("lost answer")
        key = f"k-{uuid.uuid4().hex}"
        # the update reaches the helpdesk; the answer is held past the client's timeout
        harness.emu.delay_answer(self.update_method, seconds=1.5)
        with pytest.raises(TransientError):
            conn.update_ticket(ref, status=TicketStatus.PENDING, comment="filed as JIRA-1", key=key)
        found = conn.find_comment(ref, key)
        assert found is not None and found.marker == key and found.by_syncd and not found.public
        assert "JIRA-1" in found.body
        assert len([c for c in conn.comments(ref) if c.marker == key]) == 1

    def test_missing_ticket_on_update(self, harness: Any) -> None:
        with pytest.raises(NotFound):
            harness.connector.update_ticket(harness.missing(), status=TicketStatus.OPEN)
