"""The half of the connector contract that helpdesks and trackers share.

:class:`Harness` is what a connector's test module provides as its ``harness`` fixture;
:class:`_Common` holds the tests every connector passes whatever its kind (account check,
credentials, capabilities, polling and cursors, comments, webhooks, rate budget).
:mod:`tests.connectors.contract` builds :class:`HelpdeskContract` and :class:`TrackerContract`
on it.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

import pytest

from syncd.connector import Capability, Connector
from syncd.errors import AuthError, CursorError, WebhookError
from syncd.model import ChangeKind, Ref

from .polling import UNREADABLE, drain, poll_cursors, unreadable_cursors

__all__ = ["Harness"]


class Harness(Protocol):
    connector: Connector
    project: str  # trackers: where issues are created; helpdesks: unused

    def bad_auth(self) -> Connector:
        """The same connector with a credential the vendor refuses."""
        ...

    def human_create(self, title: str, body: str = "", **kw: Any) -> Ref:
        """Create a ticket (helpdesk) or an issue (tracker) as a human would."""
        ...

    def human_comment(self, parent: Ref, body: str, *, public: bool) -> Ref:
        """Comment on a ticket or issue as a human would."""
        ...

    def last_webhook(self) -> tuple[dict[str, str], bytes] | None:
        """The headers and body of the last signed delivery the vendor produced."""
        ...

    def missing(self) -> Ref:
        """A ref of the right kind that does not exist."""
        ...


def _tampered(headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
    """A delivery changed on the way: vendors that sign the body refuse it. A harness whose
    vendor authenticates otherwise (GitLab sends a plain secret token, no signature) gives
    ``forged(headers, body)`` instead."""
    return headers, body + b" "


class _Common:
    def test_check_names_the_account(self, harness: Harness) -> None:
        who = harness.connector.check()
        assert isinstance(who, str) and who

    def test_bad_credentials_raise_auth_error(self, harness: Harness) -> None:
        with pytest.raises(AuthError):
            harness.bad_auth().check()

    def test_capabilities_are_data(self, harness: Harness) -> None:
        caps = harness.connector.capabilities
        assert isinstance(caps, frozenset)
        assert all(isinstance(c, Capability) for c in caps)

    def test_poll_sees_new_records_and_cursor_advances(self, harness: Harness) -> None:
        conn = harness.connector
        if Capability.POLL not in conn.capabilities:
            pytest.skip("connector does not poll")
        _, cursor = drain(conn, None)
        time.sleep(1.1)  # vendors with one-second cursors
        ref = harness.human_create(f"poll me {uuid.uuid4().hex[:6]}")
        changes, cursor2 = drain(conn, cursor)
        seen = [c for c in changes if c.ref == ref and c.kind == ChangeKind.UPSERT]
        assert seen, f"poll after {cursor!r} did not return {ref}"
        assert cursor2 is not None
        again, _ = drain(conn, cursor2)
        stamps = {c.ref: (c.ticket or c.issue) for c in again}
        snap = seen[-1].ticket or seen[-1].issue
        if ref in stamps and stamps[ref] is not None and snap is not None:
            # an overlap window may repeat a record, but never with a newer state
            assert stamps[ref] == snap

    @pytest.mark.parametrize("case", UNREADABLE)
    def test_unreadable_cursor_is_a_cursor_error(self, harness: Harness, case: str) -> None:
        conn = harness.connector
        for bad in unreadable_cursors(conn, case):
            with pytest.raises(CursorError) as err:
                conn.poll(bad)  # never a ValueError, KeyError, TypeError, nor a page from now
            assert err.value.connector == conn.name and err.value.why
            assert conn.name in str(err.value) and len(str(err.value)) < 400
            with pytest.raises(CursorError):
                poll_cursors(conn).check_cursor(bad)

    def test_cursor_since_a_time_polls_what_changed_after_it(self, harness: Harness) -> None:
        conn = harness.connector
        ops = poll_cursors(conn)
        moment = datetime.now(UTC)
        time.sleep(1.1)  # vendors with one-second times
        ref = harness.human_create(f"after the moment {uuid.uuid4().hex[:6]}")
        cursor = ops.cursor_since(moment)
        ops.check_cursor(cursor)
        changes, after = drain(conn, cursor)
        assert any(c.ref == ref and c.kind == ChangeKind.UPSERT for c in changes), cursor
        assert after is not None
        ops.check_cursor(after)  # a cursor the poll wrote reads back

    def test_comment_with_key_is_found_again(self, harness: Harness) -> None:
        conn = harness.connector
        parent = harness.human_create("comment target")
        key = f"k-{uuid.uuid4().hex}"
        made = conn.add_comment(parent, "hello **dev**", public=False, key=key)
        assert made.parent == parent
        found = conn.find_comment(parent, key)
        assert found is not None and found.ref == made.ref
        assert found.marker == key and found.by_syncd
        assert not found.public
        bodies = [c.body for c in conn.comments(parent)]
        assert any("hello **dev**" in b for b in bodies)
        assert conn.find_comment(parent, "k-unknown") is None

    def test_human_comment_is_not_by_syncd(self, harness: Harness) -> None:
        conn = harness.connector
        parent = harness.human_create("human comment target")
        harness.human_comment(parent, "from a human", public=True)
        mine = [c for c in conn.comments(parent) if "from a human" in c.body]
        assert mine and not mine[0].by_syncd and mine[0].marker is None

    def test_edit_and_delete_comment(self, harness: Harness) -> None:
        conn = harness.connector
        parent = harness.human_create("edit target")
        made = conn.add_comment(parent, "v1", public=False, key=f"k-{uuid.uuid4().hex}")
        if Capability.COMMENT_EDIT in conn.capabilities:
            edited = conn.edit_comment(made.ref, parent, "v2")
            assert "v2" in edited.body
            assert edited.marker == made.marker
        if Capability.COMMENT_DELETE in conn.capabilities:
            conn.delete_comment(made.ref, parent)
            assert all(c.ref != made.ref for c in conn.comments(parent))

    def test_webhook_verifies_and_parses(self, harness: Harness) -> None:
        conn = harness.connector
        if Capability.WEBHOOKS not in conn.capabilities:
            pytest.skip("connector has no webhooks")
        ref = harness.human_create("webhook me")
        delivery = harness.last_webhook()
        assert delivery is not None
        headers, body = delivery
        conn.verify_webhook(headers, body)
        result = conn.parse_webhook(headers, body)
        assert any(c.ref == ref for c in result.changes)
        forged = getattr(harness, "forged", _tampered)(headers, body)
        with pytest.raises(WebhookError) as err:
            conn.verify_webhook(*forged)
        assert err.value.status == 401
        with pytest.raises(WebhookError) as err:
            conn.parse_webhook(headers, b"{not json")
        assert err.value.status == 400

    def test_rate_budget_is_reported(self, harness: Harness) -> None:
        harness.connector.check()
        budget = harness.connector.rate_budget()
        assert budget.remaining is None or budget.remaining >= 0
