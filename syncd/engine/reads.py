"""What the worker reads beyond a change itself: the links of its ref, the shadow that
completes a partial snapshot, and, for a change that only says a record was touched, the
record and its comments read again from the vendor (outside any transaction).

A read that fails puts the inbox row back with a backoff (a rate limit holds the connector
for as long as the vendor asked); the change is not lost, it is read again later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import structlog

from syncd import metrics
from syncd.connector import Connector, HelpdeskConnector, TrackerConnector
from syncd.engine import echo
from syncd.engine.health import Health
from syncd.engine.planner import Rules
from syncd.errors import NotFound, RateLimited, RemoteError, Resolution, resolve
from syncd.model import Change, ChangeKind, Issue, Ref, RefKind, Ticket
from syncd.ratelimit import Budget
from syncd.store.repository import LinkRow, Store, Tx

log = structlog.get_logger("syncd.worker")
Taken = tuple[sa.Row[Any], Change]  # an inbox row claimed by the worker, its change


class Reads:
    """Reads for the :class:`~syncd.engine.worker.Worker`; mixed into it."""

    store: Store
    connectors: Mapping[str, Connector]
    rules: Rules
    health: Health
    backoff_cap: float
    budgets: Mapping[str, Budget]
    lanes: int
    _read_pool: ThreadPoolExecutor | None

    def _read_ahead(self, taken: Sequence[Taken]) -> dict[int, list[Change] | None]:
        """The remote reads of the first change of each ref in ``taken`` that needs one,
        made side by side on up to ``lanes`` threads (a vendor's answer takes 150 ms: one
        read after another caps a burst of new tickets at a few a second): row id -> what
        :meth:`_expand_or_retry` gave. A ref's later changes are read in order, after it."""
        firsts: dict[str, Taken] = {}
        for row, change in taken:
            firsts.setdefault(row.ref, (row, change))
        reading = [(r, c) for r, c in firsts.values() if c.kind == ChangeKind.TOUCHED]
        if len(reading) < 2 or self.lanes < 2:
            return {}
        if self._read_pool is None:
            self._read_pool = ThreadPoolExecutor(self.lanes, thread_name_prefix="read")
        futures = {r.id: self._read_pool.submit(self._expand_or_retry, r, c) for r, c in reading}
        return {row_id: f.result() for row_id, f in futures.items()}

    def close_reads(self) -> None:
        """Stop the read threads (none run between drains)."""
        if self._read_pool is not None:
            self._read_pool.shutdown(wait=True)
            self._read_pool = None

    def _expand_or_retry(self, row: sa.Row[Any], change: Change) -> list[Change] | None:
        """The change with what remote reads add; None when a read failed (retried later)."""
        try:
            with self.store.peek() as tx:
                tied = self._tied(tx, change)
            if tied:
                # as new as what syncd holds, yet not the same: which came last is unknown
                change = Change(kind=ChangeKind.TOUCHED, ref=change.ref, source=change.source)
            if change.kind == ChangeKind.TOUCHED:
                held = self.health.held(row.connector)
                if held > 0:
                    raise RateLimited("connector held (rate limit)", retry_after=held)
                budget = self.budgets.get(row.connector)
                wait = budget.take("read", row.ref) if budget is not None else None
                if wait is not None and wait.seconds > 0:
                    raise RateLimited(f"rate limit: {wait.limit}", retry_after=wait.seconds)
            return self._expand(change)
        except RemoteError as exc:
            delay = self._backoff(row)
            match resolve(exc):
                case Resolution.WAIT if isinstance(exc, RateLimited):
                    delay = exc.retry_after
                    self.health.hold(row.connector, delay, str(exc))
                case Resolution.RETRY | Resolution.CREDENTIALS as why:
                    # a failing read is a failing connector: said once, on /readyz meanwhile
                    auth = why == Resolution.CREDENTIALS
                    self.health.failed(row.connector, f"read failed: {exc}", auth=auth)
                case _:
                    pass  # a refused read of one record: read again later, never lost
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

    def _tied(self, tx: Tx, change: Change) -> bool:
        """A snapshot stamped the same time as the one syncd holds, yet different where syncd
        looks. Vendors stamp whole seconds: a poll's page read before a close can carry the
        close's own second, and applied after the close it would seem to reopen. Such a
        change is read again from the vendor, which settles what is true now."""
        snap = change.ticket or change.issue
        if change.kind != ChangeKind.UPSERT or snap is None or snap.updated_at is None:
            return False
        shadow = self.store.shadow(tx, str(change.ref))
        if shadow.observed is None or shadow.observed_at is None:
            return False
        if _utc(shadow.observed_at) != _utc(snap.updated_at):
            return False
        fields = echo.TICKET_FIELDS if change.ticket is not None else echo.ISSUE_FIELDS
        after = snap.model_dump(mode="json")
        return any(
            echo.differs(shadow.observed.get(f), after.get(f))
            for f in fields
            if f not in change.partial
        )

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


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
