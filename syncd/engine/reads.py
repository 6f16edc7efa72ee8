"""What the worker reads beyond a change itself: the links of its ref, the shadow that
completes a partial snapshot, and, for a change that only says a record was touched, the
record and its comments read again from the vendor (outside any transaction).

A read that fails puts the inbox row back with a backoff (a rate limit holds the connector
for as long as the vendor asked); the change is not lost, it is read again later.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
import structlog

from syncd.connector import Connector, HelpdeskConnector, TrackerConnector
from syncd.daemon import metrics
from syncd.engine.health import Health
from syncd.engine.planner import Rules
from syncd.errors import AuthError, NotFound, RateLimited, RemoteError, TransientError
from syncd.model import Change, ChangeKind, Issue, Ref, RefKind, Ticket
from syncd.store.repository import LinkRow, Store, Tx

log = structlog.get_logger("syncd.worker")


class Reads:
    """Reads for the :class:`~syncd.engine.worker.Worker`; mixed into it."""

    store: Store
    connectors: Mapping[str, Connector]
    rules: Rules
    health: Health
    backoff_cap: float

    def _expand_or_retry(self, row: sa.Row[Any], change: Change) -> list[Change] | None:
        """The change with what remote reads add; None when a read failed (retried later)."""
        try:
            held = self.health.held(row.connector) if change.kind == ChangeKind.TOUCHED else 0
            if held > 0:
                raise RateLimited("connector held (rate limit)", retry_after=held)
            return self._expand(change)
        except RemoteError as exc:
            delay = self._backoff(row)
            if isinstance(exc, RateLimited):
                delay = exc.retry_after
                self.health.hold(row.connector, delay, str(exc))
            elif isinstance(exc, TransientError | AuthError):
                # a failing read is a failing connector: said once, on /readyz meanwhile
                self.health.failed(
                    row.connector, f"read failed: {exc}", auth=isinstance(exc, AuthError)
                )
            log.warning("change.read_failed", ref=row.ref, error=str(exc), retry_in=delay)
            with self.store.tx() as tx:
                self.store.retry_inbox(tx, row.id, str(exc), delay)
            return None

    def _backoff(self, row: sa.Row[Any]) -> float:
        """Seconds before a failed inbox row is tried again: doubling, capped."""
        return min(self.backoff_cap, 2.0 ** min(row.attempts, 8))

    def _expand(self, change: Change) -> list[Change]:
        """A TOUCHED change is read again from the remote: its snapshot and its comments."""
        if change.partial and change.kind == ChangeKind.UPSERT:
            with self.store.peek() as tx:
                change = self._complete(tx, change)
        if change.kind != ChangeKind.TOUCHED:
            return [change]
        conn = self.connectors.get(change.ref.connector)
        if conn is None:
            return []
        metrics.API_REQUESTS.labels(change.ref.connector, "read").inc()
        try:
            if change.ref.kind == RefKind.TICKET and isinstance(conn, HelpdeskConnector):
                snap: Ticket | Issue = conn.get_ticket(change.ref)
            elif isinstance(conn, TrackerConnector):
                snap = conn.get_issue(change.ref)
            else:
                return []
        except NotFound:
            return [Change(kind=ChangeKind.DELETED, ref=change.ref, source=change.source)]
        side = {"ticket": snap} if isinstance(snap, Ticket) else {"issue": snap}
        out = [
            Change(
                kind=ChangeKind.UPSERT,
                ref=change.ref,
                source=change.source,
                at=snap.updated_at,
                **side,
            )
        ]
        with self.store.peek() as tx:  # a read: no write lock
            linked = self._links(tx, change.ref)
        if linked:
            out += [
                Change(
                    kind=ChangeKind.COMMENT,
                    ref=change.ref,
                    comment=c,
                    source=change.source,
                    at=c.updated_at or c.created_at,
                )
                for c in conn.comments(change.ref)
            ]
        return out

    def _complete(self, tx: Tx, change: Change) -> Change:
        """Fill the fields a partial snapshot lacks from the shadow; with no shadow, read the
        record in full (as for TOUCHED) only when routing needs those fields."""
        seen = self.store.shadow(tx, str(change.ref)).observed
        snap = change.ticket or change.issue
        if snap is None:
            return change
        if seen is not None:
            known = {f: seen[f] for f in change.partial if f in seen}
            merged = type(snap).model_validate({**snap.model_dump(mode="json"), **known})
            key = "ticket" if change.ticket is not None else "issue"
            return change.model_copy(update={key: merged, "partial": frozenset()})
        if change.ticket is not None and self.rules.reads(change.partial):
            return Change(kind=ChangeKind.TOUCHED, ref=change.ref, source=change.source)
        return change

    def _links(self, tx: Tx, ref: Ref) -> list[LinkRow]:
        if ref.kind == RefKind.TICKET:
            row = self.store.link_for_ticket(tx, str(ref))
            return [row] if row else []
        return self.store.links_for_issue(tx, str(ref))
