"""The worker: takes inbox rows in order per ref, finds what really changed, asks the planner
for actions and writes them to the outbox, all in one transaction per change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import structlog

from syncd.connector import Connector
from syncd.daemon import metrics
from syncd.engine import echo, ownership
from syncd.engine.actions import Action, LinkView
from syncd.engine.health import Health
from syncd.engine.planner import Rules, Situation, plan
from syncd.engine.reads import Reads
from syncd.model import Change, ChangeKind, Issue, Ref, RefKind, Ticket
from syncd.store import outbox
from syncd.store.repository import LinkRow, Store, Tx

log = structlog.get_logger("syncd.worker")
Taken = tuple[sa.Row[Any], Change]  # an inbox row claimed by this worker, its change


def link_view(store: Store, tx: Tx, row: LinkRow) -> LinkView:
    """A link with the snapshots its templates need."""
    t = store.shadow(tx, row.ticket_ref).observed
    i = store.shadow(tx, row.issue_ref).observed
    return LinkView(
        id=row.id,
        ticket=Ref.parse(row.ticket_ref),
        issue=Ref.parse(row.issue_ref),
        route=row.route,
        mode=row.mode,
        state=row.state,
        gone_strikes=row.gone_strikes,
        tier=row.tier,
        ticket_snapshot=Ticket.model_validate(t) if t else None,
        issue_snapshot=Issue.model_validate(i) if i else None,
    )


class Worker(Reads):
    """Processes the inbox."""

    def __init__(
        self,
        store: Store,
        connectors: Mapping[str, Connector],
        rules: Rules,
        *,
        backoff_cap: float = 300.0,
        health: Health | None = None,
    ) -> None:
        self.store = store
        self.connectors = connectors
        self.rules = rules
        self.backoff_cap = backoff_cap
        self.health = health or Health(list(connectors))
        self.processed = 0
        self.planned = 0  # actions written to the outbox, counted as they commit
        self.more = False  # whether the last claim stopped at its limit: more may be due
        self._planned: list[Action] = []  # logged once their transaction has committed

    def drain(self, limit: int = 100, *, peek: bool = True) -> int:
        """Process up to ``limit`` due rows; return how many were handled.

        The common case is one transaction for the whole batch: claim the rows, diff, plan,
        write the outbox and shadows, delete the rows. A change that needs a remote read (a
        TOUCHED change, a partial snapshot with nothing to complete it from) and the later
        changes of its ref stay claimed and go one by one after that commit, the read made
        outside any transaction. Should the batch fail (a defect), it is rolled back and
        done one by one, so only the failing change, and its ref's later ones, wait.

        With ``peek`` (the default) it first asks, without the write lock, whether any row is
        due; a caller that knows rows were just written skips that."""
        if peek and not self.store.inbox_due():
            return 0  # asked without the write lock: an idle wake costs writers nothing
        try:
            with self.store.tx() as tx:
                applied, slow = self._together(tx, limit)
            self._committed()
        except Exception:
            self._planned.clear()
            log.warning("worker.batch_failed", retry="one by one")
            with self.store.tx() as tx:
                applied, slow = [], self._claim(tx, limit)
        applied += self._one_by_one(slow)
        for row, change in applied:
            metrics.CHANGES.labels(row.connector).inc()
            metrics.observe_lag(row.connector, change.at or row.received_at)
        self.processed += len(applied)
        return len(applied)

    def _claim(self, tx: Tx, limit: int) -> list[Taken]:
        due = self.store.next_inbox(tx, limit)
        self.more = due.full
        rows, back = self.store.take_inbox(tx, due)
        self.store.release_inbox(tx, back)
        return [(row, Change.model_validate(row.change)) for row in rows]

    def _together(self, tx: Tx, limit: int) -> tuple[list[Taken], list[Taken]]:
        """Claim and apply in ``tx``; return (applied, claimed but left for one by one)."""
        applied: list[Taken] = []
        slow: list[Taken] = []
        reading: set[str] = set()  # refs with a change that reads first: the rest wait for it
        for row, change in self._claim(tx, limit):
            if row.ref not in reading and change.partial and change.kind == ChangeKind.UPSERT:
                change = self._complete(tx, change)
            if row.ref in reading or change.kind == ChangeKind.TOUCHED:
                reading.add(row.ref)
                slow.append((row, change))
                continue
            self._process(tx, change, seq=row.id)
            applied.append((row, change))
        self.store.finish_inbox(tx, *(row.id for row, _ in applied))  # one execution
        return applied, slow

    def _one_by_one(self, taken: list[Taken]) -> list[Taken]:
        """Claimed rows in order, each read (if it must be) and applied on its own; a failure
        holds back its ref's later rows, which go back to the queue."""
        done: list[Taken] = []
        failed: set[str] = set()
        for row, change in taken:
            if row.ref in failed:
                with self.store.tx() as tx:
                    self.store.release_inbox(tx, [row.id])
                continue
            expanded = self._expand_or_retry(row, change)
            if expanded is None:
                failed.add(row.ref)
                continue
            try:
                with self.store.tx() as tx:
                    for ch in expanded:
                        self._process(tx, ch, seq=row.id)
                    self.store.finish_inbox(tx, row.id)
                self._committed()
            except Exception as exc:  # a defect must not stop the queue: park the row, say so
                self._planned.clear()
                log.exception("change.failed", ref=row.ref, attempts=row.attempts + 1)
                failed.add(row.ref)
                with self.store.tx() as tx:
                    self.store.retry_inbox(tx, row.id, repr(exc), self._backoff(row))
                continue
            done.append((row, change))
        return done

    def _process(self, tx: Tx, change: Change, seq: int = 0) -> None:
        rows = self._links(tx, change.ref)
        if change.kind in (ChangeKind.COMMENT, ChangeKind.COMMENT_DELETED):
            situation = self._comment_situation(tx, change, rows)
        elif change.kind == ChangeKind.UPSERT:
            situation = self._snapshot_situation(tx, change, rows)
        else:
            situation = Situation(change=change)
        if situation is None:
            return
        situation = replace(
            situation, links=tuple(link_view(self.store, tx, r) for r in rows), seq=seq
        )
        actions = plan(situation, self.rules)
        actions = self._owned(tx, change, rows, actions)
        if actions:
            outbox.add(tx, [a.row() for a in actions])
            self._planned.extend(actions)

    def _committed(self) -> None:
        """Log the actions planned in the transaction that just committed: after it, so the
        writers' lock is not held while the lines are written (and a rollback logs none)."""
        self.planned += len(self._planned)
        for a in self._planned:
            log.info("action.planned", kind=a.kind.value, key=a.key, lane=a.lane)
        self._planned.clear()

    def _owned(
        self, tx: Tx, change: Change, rows: list[LinkRow], actions: list[Action]
    ) -> list[Action]:
        """Per-field ownership: the non-owner's value never crosses; its loss is audited."""
        if not rows or not actions:
            return actions
        route = self.rules.route(rows[0].route)
        source: ownership.Side = "support" if change.ref.kind == RefKind.TICKET else "dev"
        kept, lost = ownership.resolve(actions, source, route.ownership if route else None)
        for o in lost:
            self.store.audit(
                tx,
                "conflict_overruled",
                link_id=rows[0].id,
                ticket_ref=rows[0].ticket_ref,
                issue_ref=rows[0].issue_ref,
                field=o.field,
                lost=o.value,
                owner=o.owner,
                key=o.key,
            )
        return kept

    def _snapshot_situation(self, tx: Tx, change: Change, rows: list[LinkRow]) -> Situation | None:
        snap: Ticket | Issue | None = change.ticket or change.issue
        assert snap is not None
        is_ticket = isinstance(snap, Ticket)
        if not rows and not (is_ticket and isinstance(snap, Ticket) and self.rules.wants(snap)):
            return None  # nothing syncd cares about: keep no shadow for it
        ref = str(change.ref)
        shadow = self.store.shadow(tx, ref)
        after = snap.model_dump(mode="json")
        fields = echo.TICKET_FIELDS if is_ticket else echo.ISSUE_FIELDS
        d = echo.diff(
            shadow.observed, shadow.observed_at, after, snap.updated_at, shadow.written, fields
        )
        if d.stale:
            log.debug("change.stale", ref=ref)
            return None
        self.store.put_shadow(
            tx, ref, observed=after, observed_at=snap.updated_at, written=d.written
        )
        if d.echoes:
            log.debug("change.echo", ref=ref, fields=sorted(d.echoes))
        if not d.delta:
            return None
        before_raw = shadow.observed
        before: Ticket | Issue | None = None
        if before_raw is not None:
            before = (Ticket if is_ticket else Issue).model_validate(before_raw)
        return Situation(change=change, delta=d.delta, before=before)

    def _comment_situation(self, tx: Tx, change: Change, rows: list[LinkRow]) -> Situation | None:
        comment = change.comment
        if comment is None or not rows:
            return None
        cref = str(comment.ref)
        if echo.comment_is_echo(comment, self.store.is_comment_copy(tx, cref)):
            return None
        shadow = self.store.shadow(tx, cref)
        copies = tuple(Ref.parse(t) for t, _ in self.store.comment_targets(tx, cref))
        if change.kind == ChangeKind.COMMENT_DELETED:
            return Situation(change=change, comment_is_new=False, comment_copies=copies)
        seen: dict[str, Any] | None = shadow.observed
        if seen is not None and seen.get("body") == comment.body:
            return None
        if seen is not None and _older(comment.updated_at, shadow.observed_at):
            return None
        self.store.put_shadow(
            tx,
            cref,
            observed={"body": comment.body},
            observed_at=comment.updated_at or comment.created_at,
        )
        return Situation(change=change, comment_is_new=seen is None, comment_copies=copies)


def _older(at: datetime | None, than: datetime | None) -> bool:
    return bool(at and than and at < than)
